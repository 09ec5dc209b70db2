-- This instance is alive: its status row, with diagnostics, upserted on every heartbeat.
INSERT INTO mqtt_bridge.bridge_status (instance_id, status, leader, version, last_heartbeat, diagnostics)
VALUES (:#instanceId, :#status, CAST(:#leader AS boolean), :#version, now(), CAST(:#diagnostics AS jsonb))
ON CONFLICT (instance_id) DO UPDATE
   SET status = EXCLUDED.status, leader = EXCLUDED.leader, version = EXCLUDED.version,
       last_heartbeat = now(), diagnostics = EXCLUDED.diagnostics
