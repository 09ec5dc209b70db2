-- Every visible tool as the displays show it: the retained state (mqtt_bridge.tool_state,
-- the same row nemo/tools/{id}/state is built from) plus what a person at the tool wants
-- to read and NEMO already knows: the latest open problem, and the category and location
-- when this NEMO has those columns (to_jsonb leaves them null where it does not).
-- Columns added to tool_state later (next_reservation, ...) pass through unchanged.
-- ${nemo_schema} is replaced by bridge.nemo.schema.
SELECT s.tool_id,
       ((to_jsonb(s) - 'parent_id' - 'user_name' - 'since' - 'event_id' - 'event_type' - 'updated_at')
        || jsonb_build_object(
               'tool_name', coalesce(t.name, s.tool_name),
               'user', s.user_name,
               'since', mqtt_bridge.iso_time(s.since),
               'parent_id', t.parent_tool_id,
               'category', nullif(coalesce(to_jsonb(p) ->> 'category', to_jsonb(t) ->> 'category'), ''),
               'location', nullif(coalesce(to_jsonb(p) ->> 'location', to_jsonb(t) ->> 'location'), ''),
               'problem', task.problem_description,
               'problem_since', mqtt_bridge.iso_time(task.creation_time),
               'shutdown', coalesce(task.force_shutdown OR task.safety_hazard, false)))::text AS state
  FROM mqtt_bridge.tool_state s
  JOIN ${nemo_schema}."NEMO_tool" t ON t.id = s.tool_id
  LEFT JOIN ${nemo_schema}."NEMO_tool" p ON p.id = t.parent_tool_id
  LEFT JOIN LATERAL (SELECT k.problem_description, k.creation_time, k.force_shutdown, k.safety_hazard
                       FROM ${nemo_schema}."NEMO_task" k
                      WHERE k.tool_id IN (t.id, t.parent_tool_id) AND NOT k.resolved AND NOT k.cancelled
                      ORDER BY k.creation_time DESC, k.id DESC
                      LIMIT 1) task ON true
 WHERE coalesce((to_jsonb(t) ->> 'visible')::boolean, true)
 ORDER BY lower(coalesce(t.name, s.tool_name)), s.tool_id
