-- Machines online and known, for the nemo.machines.* gauges.
SELECT count(*) FILTER (WHERE online) AS online, count(*) AS known FROM mqtt_bridge.machine
