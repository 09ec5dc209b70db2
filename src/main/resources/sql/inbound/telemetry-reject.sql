-- One unreadable telemetry message, kept with the reason, the first
-- bridge.inbound.rejected-keep-bytes of its bytes and its full size.
INSERT INTO mqtt_bridge.telemetry_rejected (topic, reason, payload, payload_text, received_at, payload_size, retained)
VALUES (?, ?, ?, ?, ?, ?, ?)
