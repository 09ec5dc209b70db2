-- The outbox at a glance, for the gauges and the status API.
SELECT (SELECT count(*) FROM mqtt_bridge.outbox WHERE status = 'pending') AS pending,
       (SELECT count(*) FROM mqtt_bridge.outbox WHERE status = 'dead') AS dead,
       coalesce((SELECT (extract(epoch FROM clock_timestamp() - min(created_at)) * 1000)::bigint
                   FROM mqtt_bridge.outbox WHERE status = 'pending'), 0) AS lag_ms
