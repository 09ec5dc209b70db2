-- Done: the broker acknowledged every message of these events (PUBACK), one UPDATE for the
-- whole batch. publishedIds is their ids, comma-separated. A row already dead stays dead.
-- Returns when each row it marked was committed, for the publish latency.
UPDATE mqtt_bridge.outbox
   SET status = 'published', published_at = clock_timestamp(), attempts = attempts + 1, last_error = NULL
 WHERE id = ANY (CAST(string_to_array(:#${exchangeProperty.publishedIds}, ',') AS bigint[])) AND status = 'pending'
RETURNING created_at
