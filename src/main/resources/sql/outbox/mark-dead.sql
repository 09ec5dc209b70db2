-- The broker rejected the event, or it cannot be turned into a message: kept with the
-- reason, out of the way of the rows behind it, until replayed. The body is the refused row
-- as the batch publisher reports it: {row, topic, reason}.
UPDATE mqtt_bridge.outbox
   SET status = 'dead', attempts = attempts + 1, last_error = :#reason
 WHERE id = :#row AND status = 'pending'
