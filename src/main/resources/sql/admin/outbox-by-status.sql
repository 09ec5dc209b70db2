-- The outbox as ops look at it: counts per status, and the newest rows of one status.
SELECT id, event_id, event_type, tool_id, topic, status, attempts, last_error,
       mqtt_bridge.iso_time(created_at) AS created_at, mqtt_bridge.iso_time(published_at) AS published_at
  FROM mqtt_bridge.outbox
 WHERE status = :status
 ORDER BY id DESC
 LIMIT :limit
