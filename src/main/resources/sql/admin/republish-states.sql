-- A snapshot: the retained state of every tool published again (a state refresh row each,
-- in the outbox like every other message).
WITH queued AS (
    INSERT INTO mqtt_bridge.outbox (event_type, tool_id, payload)
    SELECT 'tool_state_refresh', s.tool_id,
           jsonb_build_object('event', 'tool_state_refresh', 'tool_id', s.tool_id, 'cause', 'snapshot',
                              'timestamp', mqtt_bridge.iso_time(clock_timestamp()))
      FROM mqtt_bridge.tool_state s
     ORDER BY s.tool_id
    RETURNING id)
SELECT count(*) FROM queued
