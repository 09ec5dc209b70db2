-- One enveloped message (an invalid one with the head of its bytes and their full size). A valid message_id already stored makes this a no-op, so a
-- redelivery or a publisher's retry is stored once; invalid messages never conflict.
INSERT INTO mqtt_bridge.inbox (message_id, message_type, topic, received_on, source_service, request_id, reply_to, status,
                               event_type, payload, valid, reason, raw, received_at, raw_size)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, ?)
ON CONFLICT (message_id) WHERE valid DO NOTHING
