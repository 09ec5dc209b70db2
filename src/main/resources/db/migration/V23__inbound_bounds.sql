-- Inbound bounds (issue 14): rejected payloads are kept truncated, with their full size beside
-- them, and purged after bridge.inbound.rejected-retention.
ALTER TABLE mqtt_bridge.telemetry_rejected ADD COLUMN IF NOT EXISTS payload_size integer;
ALTER TABLE mqtt_bridge.inbox ADD COLUMN IF NOT EXISTS raw_size integer;
CREATE INDEX IF NOT EXISTS inbox_invalid_received_at_idx ON mqtt_bridge.inbox (received_at) WHERE NOT valid;

-- A machine id that cannot be a topic level (a control character, / + #) was accepted before
-- and made its status topic stop the publishing connection; such a machine has never had a
-- status, so it is forgotten (its readings and transitions stay).
DELETE FROM mqtt_bridge.machine WHERE machine_id ~ '[\x01-\x1f\x7f-\x9f/+#]' OR machine_id = '';
