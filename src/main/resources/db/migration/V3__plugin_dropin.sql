-- Drop-in mode for labs that keep the nemo-mqtt-bridge Django plugin (DESIGN §6): its
-- queue nemo_mqtt_mqtt_eventqueue is drained as the plugin's own bridge did. The plugin's
-- tables may not exist (now or ever): every function here looks them up at call time.

-- Plugin queue rows that can never be published; the plugin's table has no column for why.
CREATE TABLE mqtt_bridge.plugin_queue_dead (
    queue_id    bigint PRIMARY KEY,
    topic       text,
    last_error  text        NOT NULL,
    dead_at     timestamptz NOT NULL DEFAULT now()
);

-- The next unprocessed plugin rows in id order, skipping dead ones; nothing when the
-- plugin is not installed.
CREATE FUNCTION mqtt_bridge.plugin_queue_fetch(p_limit integer)
RETURNS TABLE (id bigint, topic text, payload text, qos integer, retain boolean, created_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regclass('nemo_mqtt_mqtt_eventqueue') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT q.id::bigint, q.topic::text, q.payload::text, q.qos::integer, q.retain, q.created_at
           FROM nemo_mqtt_mqtt_eventqueue q
          WHERE q.processed = false
            AND NOT EXISTS (SELECT 1 FROM mqtt_bridge.plugin_queue_dead d WHERE d.queue_id = q.id)
          ORDER BY q.id
          LIMIT $1' USING p_limit;
END
$$;

CREATE FUNCTION mqtt_bridge.plugin_queue_processed(p_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'UPDATE nemo_mqtt_mqtt_eventqueue SET processed = true WHERE id = $1' USING p_id;
END
$$;

-- The enabled broker configuration the plugin's customization page edits, or no row.
CREATE FUNCTION mqtt_bridge.plugin_broker_config()
RETURNS TABLE (id bigint, updated_at timestamptz, broker_host text, broker_port integer, username text,
               password text, keepalive integer, use_hmac boolean, hmac_secret_key text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regclass('nemo_mqtt_mqttconfiguration') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT c.id::bigint, c.updated_at, c.broker_host::text, c.broker_port::integer, c.username::text,
                c.password::text, c.keepalive::integer, c.use_hmac, c.hmac_secret_key::text
           FROM nemo_mqtt_mqttconfiguration c WHERE c.enabled ORDER BY c.id LIMIT 1';
END
$$;

-- Keeps the plugin's monitor page truthful: its single status row, when the plugin is installed.
CREATE FUNCTION mqtt_bridge.plugin_status_heartbeat(p_status text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    updated integer;
BEGIN
    IF to_regclass('nemo_mqtt_mqttbridgestatus') IS NULL THEN
        RETURN;
    END IF;
    EXECUTE 'UPDATE nemo_mqtt_mqttbridgestatus SET status = $1, last_heartbeat = now(), updated_at = now()
              WHERE key = ''default''' USING p_status;
    GET DIAGNOSTICS updated = ROW_COUNT;
    IF updated = 0 THEN
        EXECUTE 'INSERT INTO nemo_mqtt_mqttbridgestatus (key, status, last_heartbeat, updated_at)
                 VALUES (''default'', $1, now(), now())' USING p_status;
    END IF;
END
$$;

-- One source per NEMO event: with bridge.nemo.triggers=auto our triggers stand aside while
-- the plugin's queue is drained (the plugin's Django signals already write those events).
CREATE FUNCTION mqtt_bridge.nemo_triggers_wanted(p_setting text, p_plugin_queue text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE lower(p_setting)
               WHEN 'auto' THEN NOT (lower(p_plugin_queue) <> 'off' AND to_regclass('nemo_mqtt_mqtt_eventqueue') IS NOT NULL)
               ELSE p_setting::boolean
           END
$$;
