-- Machines whose retained status does not say what the table says, oldest change first.
SELECT machine_id, online, last_seen
  FROM mqtt_bridge.machine
 WHERE published_online IS DISTINCT FROM online
 ORDER BY changed_at
 LIMIT CAST(:#batchSize AS integer)
