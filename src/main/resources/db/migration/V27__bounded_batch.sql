-- One bounded selection for both drains (the outbox's fetch and the plugin queue's): given the
-- next rows in id order (at most p_limit of them) and each one's payload size, the batch is the
-- rows whose payloads add up to at most p_batch_bytes (the first row always comes, alone if need
-- be), so that a batch fits the heap whatever the payloads. A row over p_row_bytes
-- (bridge.mqtt.max-payload-bytes) comes back with its dead_reason, whatever the sum, for the
-- caller to set aside without loading its payload. more_pending: the batch was cut by rows or
-- bytes, so more may wait.
CREATE FUNCTION mqtt_bridge.bounded_batch(p_ids bigint[], p_bytes bigint[], p_limit integer,
                                          p_row_bytes bigint, p_batch_bytes bigint)
RETURNS TABLE (id bigint, dead_reason text, more_pending boolean)
LANGUAGE sql STABLE AS $$
    WITH head AS (
        SELECT h.id, h.bytes,
               CASE WHEN h.bytes > p_row_bytes THEN
                   format('payload of %s bytes is over bridge.mqtt.max-payload-bytes (%s); not loaded', h.bytes, p_row_bytes)
               END AS dead_reason
          FROM unnest(p_ids, p_bytes) AS h(id, bytes)
    ), sized AS (
        SELECT h.id, h.dead_reason,
               sum(h.bytes) FILTER (WHERE h.dead_reason IS NULL) OVER (ORDER BY h.id) AS running,
               min(h.id) FILTER (WHERE h.dead_reason IS NULL) OVER () AS first_id,
               count(*) OVER () AS head_rows
          FROM head h
    ), batch AS (
        SELECT s.id, s.dead_reason, s.head_rows
          FROM sized s
         WHERE s.dead_reason IS NOT NULL OR s.running <= p_batch_bytes OR s.id = s.first_id
    )
    SELECT b.id, b.dead_reason, (b.head_rows >= p_limit OR b.head_rows > (SELECT count(*) FROM batch))
      FROM batch b
     ORDER BY b.id
$$;

-- The plugin queue's fetch (V22) on it: an oversized row is set aside in
-- mqtt_bridge.plugin_queue_dead right here, so its payload is never loaded. Nothing when the
-- plugin is not installed.
CREATE OR REPLACE FUNCTION mqtt_bridge.plugin_queue_fetch(p_limit integer, p_row_bytes bigint, p_batch_bytes bigint)
RETURNS TABLE (id bigint, topic text, payload text, qos integer, retain boolean, created_at timestamptz,
               dead_reason text, more_pending boolean)
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('nemo_mqtt_mqtt_eventqueue') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'WITH head AS (
             SELECT q.id::bigint AS id, octet_length(q.payload::text)::bigint AS bytes
               FROM nemo_mqtt_mqtt_eventqueue q
              WHERE q.processed = false
                AND NOT EXISTS (SELECT 1 FROM mqtt_bridge.plugin_queue_dead d WHERE d.queue_id = q.id)
              ORDER BY q.id
              LIMIT $1
         ), batch AS (
             SELECT b.id, b.dead_reason, b.more_pending
               FROM mqtt_bridge.bounded_batch(ARRAY(SELECT h.id FROM head h ORDER BY h.id),
                                              ARRAY(SELECT h.bytes FROM head h ORDER BY h.id), $1, $2, $3) b
         ), oversized AS (
             INSERT INTO mqtt_bridge.plugin_queue_dead (queue_id, topic, last_error)
             SELECT b.id, q.topic::text, b.dead_reason
               FROM batch b JOIN nemo_mqtt_mqtt_eventqueue q ON q.id = b.id
              WHERE b.dead_reason IS NOT NULL
             ON CONFLICT (queue_id) DO NOTHING
         )
         SELECT q.id::bigint, q.topic::text, CASE WHEN b.dead_reason IS NULL THEN q.payload::text END, q.qos::integer,
                q.retain, q.created_at, b.dead_reason, b.more_pending
           FROM batch b JOIN nemo_mqtt_mqtt_eventqueue q ON q.id = b.id
          ORDER BY q.id' USING p_limit, p_row_bytes, p_batch_bytes;
END
$$;
