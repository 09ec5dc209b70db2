-- The retained messages of one batch (topic, hex SHA-256 of the payload, receive time): each
-- topic's digest is recorded, and returned are the topics whose retained payload was not
-- stored before. A replay of the same payload returns nothing and is not stored again; two
-- instances replaying it at once wait on the row, so only one stores it. Topics in order, so
-- that concurrent batches cannot deadlock.
INSERT INTO mqtt_bridge.telemetry_retained AS r (topic, payload_sha256, received_at)
SELECT t.topic, decode(t.sha256, 'hex'), t.received_at
  FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS timestamptz[])) AS t(topic, sha256, received_at)
 ORDER BY t.topic
ON CONFLICT (topic) DO UPDATE
   SET payload_sha256 = EXCLUDED.payload_sha256, received_at = EXCLUDED.received_at
 WHERE r.payload_sha256 <> EXCLUDED.payload_sha256
RETURNING topic
