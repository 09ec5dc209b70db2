-- The plugin's queue rows a batch published, marked processed in one statement after their
-- PUBACKs (one dynamic UPDATE per row cost the drain as much as the publishing). Returns how
-- many rows it marked; nothing when the plugin is not installed.
CREATE FUNCTION mqtt_bridge.plugin_queue_processed_batch(p_ids bigint[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    marked integer;
BEGIN
    IF to_regclass('nemo_mqtt_mqtt_eventqueue') IS NULL THEN
        RETURN 0;
    END IF;
    EXECUTE 'UPDATE nemo_mqtt_mqtt_eventqueue SET processed = true WHERE id = ANY ($1) AND processed = false' USING p_ids;
    GET DIAGNOSTICS marked = ROW_COUNT;
    RETURN marked;
END
$$;
