-- Published events older than bridge.outbox.retention, a bounded batch at a time so the
-- purge never holds long locks; dead and pending rows are never purged.
DELETE FROM mqtt_bridge.outbox
 WHERE id IN (SELECT id FROM mqtt_bridge.outbox
               WHERE status = 'published'
                 AND published_at < clock_timestamp() - make_interval(secs => CAST(:#retentionSeconds AS double precision))
               ORDER BY id
               LIMIT CAST(:#purgeBatch AS integer))
