-- The plugin's status row as every plugin version makes it NOT NULL: 2.3.2's migration 0006 adds
-- bridge_diagnostics (jsonb, NOT NULL, no database default: Django fills it), which the one-argument
-- heartbeat left out, so NEMO's monitor page never saw the bridge beside 2.3.2. The heartbeat now
-- writes the diagnostics the plugin's monitor shows (reload reason and time, applied
-- configuration, last error) where the column exists, and nothing more where it does not (≤ 2.3.1).
DROP FUNCTION mqtt_bridge.plugin_status_heartbeat(text);

CREATE FUNCTION mqtt_bridge.plugin_status_heartbeat(p_status text, p_diagnostics jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    status_table regclass := to_regclass('nemo_mqtt_mqttbridgestatus');
    diagnostics boolean;
BEGIN
    IF status_table IS NULL THEN
        RETURN;
    END IF;
    SELECT EXISTS (SELECT 1 FROM pg_attribute
                    WHERE attrelid = status_table AND attname = 'bridge_diagnostics' AND NOT attisdropped)
      INTO diagnostics;
    -- the plugin's single row, key 'default' (unique since its migration 0002)
    EXECUTE format(
        'INSERT INTO nemo_mqtt_mqttbridgestatus (key, status, last_heartbeat, updated_at%s)
         VALUES (''default'', $1, now(), now()%s)
         ON CONFLICT (key) DO UPDATE
            SET status = EXCLUDED.status, last_heartbeat = EXCLUDED.last_heartbeat, updated_at = EXCLUDED.updated_at%s',
        CASE WHEN diagnostics THEN ', bridge_diagnostics' ELSE '' END,
        CASE WHEN diagnostics THEN ', $2' ELSE '' END,
        CASE WHEN diagnostics THEN ', bridge_diagnostics = EXCLUDED.bridge_diagnostics' ELSE '' END)
      USING p_status, p_diagnostics;
END
$$;
