-- The plugin's queue rows a batch published, marked processed in one statement after their
-- PUBACKs; now returns when each row it marked was queued (instead of how many it marked), so
-- that the publish latency (nemo.publish.latency) covers the plugin's rows as it covers the
-- outbox's. Nothing when the plugin is not installed.
DROP FUNCTION mqtt_bridge.plugin_queue_processed_batch(bigint[]);

CREATE FUNCTION mqtt_bridge.plugin_queue_processed_batch(p_ids bigint[]) RETURNS TABLE (created_at timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('nemo_mqtt_mqtt_eventqueue') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'UPDATE nemo_mqtt_mqtt_eventqueue SET processed = true WHERE id = ANY ($1) AND processed = false RETURNING created_at::timestamptz'
        USING p_ids;
END
$$;
