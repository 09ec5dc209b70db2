-- The next bounded batch of pending events, in id (per-tool commit) order, each with the
-- current state of the tools it changes: usage and operational events change the tool and its
-- parent, operational and interlock events also its children (they delegate both to the
-- parent), a state refresh (tool_state_refresh: a reservation came, went or moved) only the
-- tool itself.
-- Bounded by rows (batchSize) and by bytes (maxBatchBytes), a row over the per-row limit
-- (maxRowBytes) set dead here, in the same statement, its payload never loaded: the selection is
-- mqtt_bridge.bounded_batch (V27), shared with the plugin queue's fetch.
WITH limits AS (
    SELECT CAST(:#batchSize AS integer) AS batch_rows, CAST(:#maxRowBytes AS bigint) AS row_bytes,
           CAST(:#maxBatchBytes AS bigint) AS batch_bytes
), head AS (
    SELECT o.id, octet_length(o.payload::text)::bigint AS bytes
      FROM mqtt_bridge.outbox o
     WHERE o.status = 'pending'
     ORDER BY o.id
     LIMIT (SELECT batch_rows FROM limits)
), batch AS (
    SELECT b.id, b.dead_reason, b.more_pending
      FROM limits l, mqtt_bridge.bounded_batch(ARRAY(SELECT h.id FROM head h ORDER BY h.id),
                                               ARRAY(SELECT h.bytes FROM head h ORDER BY h.id),
                                               l.batch_rows, l.row_bytes, l.batch_bytes) b
), oversized AS (
    UPDATE mqtt_bridge.outbox o
       SET status = 'dead', attempts = o.attempts + 1, last_error = b.dead_reason
      FROM batch b
     WHERE o.id = b.id AND b.dead_reason IS NOT NULL AND o.status = 'pending'
)
SELECT o.id, o.event_id, o.event_type, o.tool_id, o.topic,
       CASE WHEN b.dead_reason IS NULL THEN o.payload::text END AS payload, o.created_at, b.dead_reason,
       b.more_pending,
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
