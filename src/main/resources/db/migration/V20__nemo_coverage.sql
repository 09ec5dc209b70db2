-- What a display wants to show next to "in use by …": whether the interlock is really
-- unlocked, and who has the tool reserved next. Kept by the NEMO triggers and by the
-- scheduled state refresh (routes/nemo-schedule.yaml); NEMO's tables are not touched.
ALTER TABLE mqtt_bridge.tool_state
    -- unlocked | locked | unknown; null when the tool has no interlock (or interlock events are off)
    ADD COLUMN interlock  text,
    -- the next uncancelled reservation of the tool family within the horizon, as last published
    ADD COLUMN next_user  text,
    ADD COLUMN next_start timestamptz;
