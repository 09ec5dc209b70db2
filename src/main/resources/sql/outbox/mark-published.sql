-- Done: the broker acknowledged every message of the event (PUBACK). A row already marked
-- dead by one of its messages stays dead.
UPDATE mqtt_bridge.outbox
   SET status = 'published', published_at = clock_timestamp(), attempts = attempts + 1, last_error = NULL
 WHERE id = :#${exchangeProperty.outboxId} AND status = 'pending'
