-- The plugin queue's fetch (V27) takes the batch's rows from the queue table by their ids (an
-- index lookup each) instead of a join the planner may make a hash of the whole table: the
-- plugin's table keeps the rows it has processed, and V27's fetch read every one of them for
-- each batch (a 35,000-row table: 76 ms a fetch, FetchPlanTest). The selection itself is V27's.
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
                AND q.id = ANY (ARRAY(SELECT d.id FROM batch d WHERE d.dead_reason IS NOT NULL))
             ON CONFLICT (queue_id) DO NOTHING
         )
         SELECT q.id::bigint, q.topic::text, CASE WHEN b.dead_reason IS NULL THEN q.payload::text END, q.qos::integer,
                q.retain, q.created_at, b.dead_reason, b.more_pending
           FROM batch b JOIN nemo_mqtt_mqtt_eventqueue q ON q.id = b.id
          WHERE q.id = ANY (ARRAY(SELECT a.id FROM batch a))
          ORDER BY q.id' USING p_limit, p_row_bytes, p_batch_bytes;
END
$$;
