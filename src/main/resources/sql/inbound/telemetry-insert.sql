-- One accepted reading; run as a JDBC batch inside the batch's transaction.
INSERT INTO mqtt_bridge.telemetry (machine_id, topic, measured_at, timestamp_replaced, temperature, humidity, vibration,
                                   extra, received_at, retained, reported_timestamp, timestamp_rejected)
VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?)
