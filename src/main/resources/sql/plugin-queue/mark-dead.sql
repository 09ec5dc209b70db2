-- A plugin row that can never be published: kept aside with the reason, so the queue goes on.
-- The body is the refused row as the batch publisher reports it: {row, topic, reason}.
-- Replay: DELETE FROM mqtt_bridge.plugin_queue_dead WHERE queue_id = ...
INSERT INTO mqtt_bridge.plugin_queue_dead (queue_id, topic, last_error)
VALUES (CAST(:#row AS bigint), :#topic, :#reason)
ON CONFLICT (queue_id) DO UPDATE SET last_error = EXCLUDED.last_error, dead_at = now()
