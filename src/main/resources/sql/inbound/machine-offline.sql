-- Machines silent since the cut-off go offline; the table's trigger records the transition.
UPDATE mqtt_bridge.machine
   SET online = false, changed_at = clock_timestamp()
 WHERE online AND last_seen < :#silentSince
