-- The machines of one batch that the bridge keeps: those it knows, and new ones while fewer
-- than bridge.inbound.max-machines are known (first in machine order). The batch holds the
-- admission lock (machine-admit-lock.sql), so two instances cannot both take the last place.
WITH batch AS (SELECT DISTINCT machine_id FROM unnest(CAST(? AS text[])) AS b(machine_id)),
     known AS (SELECT machine_id FROM batch JOIN mqtt_bridge.machine USING (machine_id)),
     room AS (SELECT greatest(0, CAST(? AS integer) - count(*)) AS places FROM mqtt_bridge.machine)
SELECT machine_id FROM known
UNION ALL
(SELECT machine_id FROM batch WHERE machine_id NOT IN (SELECT machine_id FROM known)
  ORDER BY machine_id
  LIMIT (SELECT places FROM room))
