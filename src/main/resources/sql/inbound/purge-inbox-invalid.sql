-- Invalid inbox messages older than bridge.inbound.rejected-retention, a bounded batch at a
-- time; valid ones are never purged here.
DELETE FROM mqtt_bridge.inbox
 WHERE id IN (SELECT id FROM mqtt_bridge.inbox
               WHERE NOT valid
                 AND received_at < clock_timestamp() - make_interval(secs => CAST(:#retentionSeconds AS double precision))
               ORDER BY id
               LIMIT CAST(:#purgeBatch AS integer))
