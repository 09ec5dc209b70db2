-- The machines of one batch were seen: last_seen moves forward and a silent machine is
-- online again (its status is then owed). Rows are taken in machine order so that
-- concurrent batches cannot deadlock.
INSERT INTO mqtt_bridge.machine AS m (machine_id, first_seen, last_seen, online, changed_at)
SELECT s.machine_id, s.seen, s.seen, true, s.seen
  FROM unnest(CAST(? AS text[]), CAST(? AS timestamptz[])) AS s(machine_id, seen)
 ORDER BY s.machine_id
ON CONFLICT (machine_id) DO UPDATE
   SET last_seen = greatest(m.last_seen, EXCLUDED.last_seen),
       online = true,
       changed_at = CASE WHEN m.online THEN m.changed_at ELSE EXCLUDED.last_seen END
