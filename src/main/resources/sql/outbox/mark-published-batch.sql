-- Done: the broker acknowledged every message of these events (PUBACK), one UPDATE for the
-- whole batch. ids is a PostgreSQL array literal ({1,2,3}). A row already dead stays dead.
UPDATE mqtt_bridge.outbox
   SET status = 'published', published_at = clock_timestamp(), attempts = attempts + 1, last_error = NULL
 WHERE id = ANY (CAST(:#${exchangeProperty.publishedIds} AS bigint[])) AND status = 'pending'
