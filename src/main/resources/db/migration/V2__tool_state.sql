-- What every tool display shows now; kept by the NEMO triggers in the same transaction as
-- the event, and published retained on nemo/tools/{id}/state when an event changes it.
CREATE TABLE mqtt_bridge.tool_state (
    tool_id        integer PRIMARY KEY,
    parent_id      integer,
    tool_name      text,
    in_use         boolean     NOT NULL DEFAULT false,
    operational    boolean     NOT NULL DEFAULT true,
    user_name      text,
    since          timestamptz,
    previous_user  text,
    event_id       uuid,
    event_type     text,
    updated_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX tool_state_parent_idx ON mqtt_bridge.tool_state (parent_id);

-- Times on the wire: ISO-8601 UTC written with +00:00, which older Python consumers parse.
CREATE FUNCTION mqtt_bridge.iso_time(ts timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"')
$$;
