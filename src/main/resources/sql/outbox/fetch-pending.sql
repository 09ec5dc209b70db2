-- The next bounded batch of pending events, in id (per-tool commit) order, each with the
-- current state of the tools it changes: usage and operational events change the tool and its
-- parent, operational and interlock events also its children (they delegate both to the
-- parent), a state refresh (tool_state_refresh: a reservation came, went or moved) only the
-- tool itself.
-- Bounded by rows (batchSize) and by bytes (maxBatchBytes: the payloads' sum, though the first
-- row always goes, alone if need be), so that a batch fits the heap whatever the payloads. A
-- row over the per-row limit (maxRowBytes, bridge.mqtt.max-payload-bytes) goes dead here, in
-- the same statement: it comes back with its dead_reason and without its payload, never loaded.
-- more_pending: the batch was cut by rows or bytes, so more may wait.
-- The same selection as mqtt_bridge.bounded_batch (V27), which the plugin queue's fetch calls,
-- written out here on purpose: behind that function the planner cannot see how few rows a
-- batch has, and at 1,000 events/s the median latency went from 11 to 21-80 ms (bench/run.sh).
WITH limits AS (
    SELECT CAST(:#batchSize AS integer) AS batch_rows, CAST(:#maxRowBytes AS bigint) AS row_bytes,
           CAST(:#maxBatchBytes AS bigint) AS batch_bytes
), head AS (
    SELECT p.id, p.bytes,
           CASE WHEN p.bytes > l.row_bytes THEN
               format('payload of %s bytes is over bridge.mqtt.max-payload-bytes (%s); not loaded', p.bytes, l.row_bytes)
           END AS dead_reason
      FROM (SELECT o.id, octet_length(o.payload::text)::bigint AS bytes
              FROM mqtt_bridge.outbox o
             WHERE o.status = 'pending'
             ORDER BY o.id
             LIMIT (SELECT batch_rows FROM limits)) p, limits l
), oversized AS (
    -- by the ids in an array, not by a join: with statistics from before a burst (autovacuum had
    -- not analyzed the table yet) the planner joined every pending row against the batch, 2.8 s
    -- a fetch with 66,000 rows pending (FetchPlanTest)
    UPDATE mqtt_bridge.outbox o
       SET status = 'dead', attempts = o.attempts + 1,
           last_error = (SELECT h.dead_reason FROM head h WHERE h.id = o.id)
     WHERE o.id = ANY (ARRAY(SELECT h.id FROM head h WHERE h.dead_reason IS NOT NULL)) AND o.status = 'pending'
), sized AS (
    SELECT h.id, h.dead_reason,
           sum(h.bytes) FILTER (WHERE h.dead_reason IS NULL) OVER (ORDER BY h.id) AS running,
           min(h.id) FILTER (WHERE h.dead_reason IS NULL) OVER () AS first_id,
           count(*) OVER () AS head_rows
      FROM head h
), batch AS (
    SELECT s.id, s.dead_reason, s.head_rows
      FROM sized s, limits l
     WHERE s.dead_reason IS NOT NULL OR s.running <= l.batch_bytes OR s.id = s.first_id
)
SELECT o.id, o.event_id, o.event_type, o.tool_id, o.topic,
       CASE WHEN b.dead_reason IS NULL THEN o.payload::text END AS payload, o.created_at, b.dead_reason,
       (b.head_rows >= (SELECT batch_rows FROM limits) OR b.head_rows > (SELECT count(*) FROM batch)) AS more_pending,
       CASE WHEN b.dead_reason IS NULL AND o.tool_id IS NOT NULL
                 AND o.event_type IN ('tool_enabled', 'tool_disabled', 'tool_operational', 'tool_non_operational',
                                      'interlock_unlocked', 'interlock_locked', 'interlock_unknown',
                                      'tool_state_refresh') THEN
           (SELECT json_agg(json_build_object(
                       'tool_id', s.tool_id, 'tool_name', s.tool_name, 'in_use', s.in_use,
                       'operational', s.operational, 'user', s.user_name, 'since', mqtt_bridge.iso_time(s.since),
                       'previous_user', s.previous_user,
                       'next_reservation', CASE WHEN s.next_start IS NOT NULL THEN
                           json_build_object('user', s.next_user, 'start', mqtt_bridge.iso_time(s.next_start)) END,
                       'interlock', s.interlock,
                       'event_id', s.event_id, 'event_type', s.event_type)
                       ORDER BY s.tool_id = o.tool_id DESC, s.tool_id)::text
              FROM mqtt_bridge.tool_state s
             WHERE s.tool_id = o.tool_id
                OR (s.tool_id = (SELECT c.parent_id FROM mqtt_bridge.tool_state c WHERE c.tool_id = o.tool_id)
                    AND o.event_type IN ('tool_enabled', 'tool_disabled', 'tool_operational', 'tool_non_operational'))
                OR (s.parent_id = o.tool_id
                    AND o.event_type IN ('tool_operational', 'tool_non_operational',
                                         'interlock_unlocked', 'interlock_locked', 'interlock_unknown')))
       END AS states
  FROM batch b
  JOIN mqtt_bridge.outbox o ON o.id = b.id
 ORDER BY o.id
