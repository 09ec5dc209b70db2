-- Digests of retained telemetry (telemetry_retained) stored longer ago than
-- bridge.inbound.retained-retention, a bounded batch at a time. A topic's digest only keeps a
-- replay of the same retained payload from being stored again; once it is gone, the next new
-- session that is handed that payload stores it once more (flagged retained) and records it again.
DELETE FROM mqtt_bridge.telemetry_retained
 WHERE topic IN (SELECT topic FROM mqtt_bridge.telemetry_retained
                  WHERE received_at < clock_timestamp() - make_interval(secs => CAST(:#retentionSeconds AS double precision))
                  ORDER BY topic
                  LIMIT CAST(:#purgeBatch AS integer))
