-- The plugin queue's fetch bounded by bytes as well as rows (DESIGN §5: memory is bounded by
-- bytes): the next unprocessed rows in id order whose payloads add up to at most p_batch_bytes
-- (the first row always comes, alone if need be). A row over p_row_bytes is set aside in
-- mqtt_bridge.plugin_queue_dead right here and comes back with its dead_reason but without its
-- payload, so it is never loaded. more_pending: the batch was cut by rows or bytes. Nothing
-- when the plugin is not installed.
CREATE FUNCTION mqtt_bridge.plugin_queue_fetch(p_limit integer, p_row_bytes bigint, p_batch_bytes bigint)
RETURNS TABLE (id bigint, topic text, payload text, qos integer, retain boolean, created_at timestamptz,
               dead_reason text, more_pending boolean)
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('nemo_mqtt_mqtt_eventqueue') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'WITH head AS (
             SELECT p.id, p.bytes,
                    CASE WHEN p.bytes > $2 THEN
                        format(''payload of %s bytes is over bridge.mqtt.max-payload-bytes (%s); not loaded'', p.bytes, $2)
                    END AS dead_reason
               FROM (SELECT q.id::bigint AS id, octet_length(q.payload::text)::bigint AS bytes
                       FROM nemo_mqtt_mqtt_eventqueue q
                      WHERE q.processed = false
                        AND NOT EXISTS (SELECT 1 FROM mqtt_bridge.plugin_queue_dead d WHERE d.queue_id = q.id)
                      ORDER BY q.id
                      LIMIT $1) p
         ), oversized AS (
             INSERT INTO mqtt_bridge.plugin_queue_dead (queue_id, topic, last_error)
             SELECT h.id, q.topic::text, h.dead_reason
               FROM head h JOIN nemo_mqtt_mqtt_eventqueue q ON q.id = h.id
              WHERE h.dead_reason IS NOT NULL
             ON CONFLICT (queue_id) DO NOTHING
         ), sized AS (
             SELECT h.id, h.dead_reason,
                    sum(h.bytes) FILTER (WHERE h.dead_reason IS NULL) OVER (ORDER BY h.id) AS running,
                    min(h.id) FILTER (WHERE h.dead_reason IS NULL) OVER () AS first_id,
                    count(*) OVER () AS head_rows
               FROM head h
         ), batch AS (
             SELECT s.id, s.dead_reason, s.head_rows
               FROM sized s
              WHERE s.dead_reason IS NOT NULL OR s.running <= $3 OR s.id = s.first_id
         )
         SELECT q.id::bigint, q.topic::text, CASE WHEN b.dead_reason IS NULL THEN q.payload::text END, q.qos::integer,
                q.retain, q.created_at, b.dead_reason,
                (b.head_rows >= $1 OR b.head_rows > (SELECT count(*) FROM batch))
           FROM batch b JOIN nemo_mqtt_mqtt_eventqueue q ON q.id = b.id
          ORDER BY q.id' USING p_limit, p_row_bytes, p_batch_bytes;
END
$$;
