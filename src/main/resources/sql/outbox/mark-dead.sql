-- The broker rejected the event, or it cannot be turned into a message: kept with the
-- reason, out of the way of the rows behind it, until replayed.
UPDATE mqtt_bridge.outbox
   SET status = 'dead', attempts = attempts + 1, last_error = :#${exchangeProperty.deadReason}
 WHERE id = :#${exchangeProperty.outboxId} AND status = 'pending'
