-- The plugin's status row as every plugin version makes it NOT NULL: 2.3.2's migration 0006 adds
-- bridge_diagnostics (jsonb, NOT NULL, no database default: Django fills it), which the one-argument
-- heartbeat left out, so NEMO's monitor page never saw the bridge beside 2.3.2. The heartbeat now
-- writes the diagnostics the plugin's monitor shows (reload reason and time, applied
-- configuration, last error) where the column exists, and nothing more where it does not (≤ 2.3.1).
DROP FUNCTION mqtt_bridge.plugin_status_heartbeat(text);

CREATE FUNCTION mqtt_bridge.plugin_status_heartbeat(p_status text, p_diagnostics jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    table_name regclass := to_regclass('nemo_mqtt_mqttbridgestatus');
    has_diagnostics boolean;
    updated integer;
BEGIN
    IF table_name IS NULL THEN
        RETURN;
    END IF;
    SELECT EXISTS (SELECT 1 FROM pg_attribute
                    WHERE attrelid = table_name AND attname = 'bridge_diagnostics' AND NOT attisdropped)
      INTO has_diagnostics;
    IF has_diagnostics THEN
        EXECUTE 'UPDATE nemo_mqtt_mqttbridgestatus SET status = $1, last_heartbeat = now(), updated_at = now(),
                        bridge_diagnostics = $2 WHERE key = ''default'''
          USING p_status, p_diagnostics;
    ELSE
        EXECUTE 'UPDATE nemo_mqtt_mqttbridgestatus SET status = $1, last_heartbeat = now(), updated_at = now()
                  WHERE key = ''default''' USING p_status;
    END IF;
    GET DIAGNOSTICS updated = ROW_COUNT;
    IF updated = 0 AND has_diagnostics THEN
        EXECUTE 'INSERT INTO nemo_mqtt_mqttbridgestatus (key, status, last_heartbeat, updated_at, bridge_diagnostics)
                 VALUES (''default'', $1, now(), now(), $2)' USING p_status, p_diagnostics;
    ELSIF updated = 0 THEN
        EXECUTE 'INSERT INTO nemo_mqtt_mqttbridgestatus (key, status, last_heartbeat, updated_at)
                 VALUES (''default'', $1, now(), now())' USING p_status;
    END IF;
END
$$;
