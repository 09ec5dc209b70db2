-- Rejected telemetry older than bridge.inbound.rejected-retention, a bounded batch at a time.
DELETE FROM mqtt_bridge.telemetry_rejected
 WHERE id IN (SELECT id FROM mqtt_bridge.telemetry_rejected
               WHERE received_at < clock_timestamp() - make_interval(secs => CAST(:#retentionSeconds AS double precision))
               ORDER BY id
               LIMIT CAST(:#purgeBatch AS integer))
