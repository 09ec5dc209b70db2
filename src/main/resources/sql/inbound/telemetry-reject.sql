-- One unreadable telemetry message, kept with the reason and its bytes.
INSERT INTO mqtt_bridge.telemetry_rejected (topic, reason, payload, payload_text, received_at)
VALUES (?, ?, ?, ?, ?)
