-- The broker has the status (PUBACK); remember what it says, which may already be stale
-- again, in which case the next round publishes once more.
UPDATE mqtt_bridge.machine
   SET published_online = :#${exchangeProperty.machineOnline}, published_at = clock_timestamp()
 WHERE machine_id = :#${exchangeProperty.machineId}
