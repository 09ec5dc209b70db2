-- The next bounded batch of pending events, in id (per-tool commit) order, each with the
-- current state of the tools it changes: usage and operational events change the tool and its
-- parent, operational and interlock events also its children (they delegate both to the
-- parent), a state refresh (tool_state_refresh: a reservation came, went or moved) only the
-- tool itself.
SELECT o.id, o.event_id, o.event_type, o.tool_id, o.topic, o.payload::text AS payload, o.created_at,
       CASE WHEN o.tool_id IS NOT NULL
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
  FROM mqtt_bridge.outbox o
 WHERE o.status = 'pending'
 ORDER BY o.id
 LIMIT CAST(:#batchSize AS integer)
