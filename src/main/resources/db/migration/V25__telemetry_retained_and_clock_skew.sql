-- Issue 21: retained telemetry is stored once, and a reading's own time is believed only
-- within bridge.inbound.max-clock-skew of its receive time.

-- A retained message is the broker's memory of an old reading (DESIGN §7): one row per topic
-- with the SHA-256 of the last retained payload stored, so a replay of the same payload (a
-- new or expired session, another instance) is never stored again.
CREATE TABLE IF NOT EXISTS mqtt_bridge.telemetry_retained (
    topic          text        PRIMARY KEY,
    payload_sha256 bytea       NOT NULL,
    received_at    timestamptz NOT NULL
);

-- retained: the row came from a retained message the broker replayed on subscribe.
-- reported_timestamp: the payload's timestamp as sent, when it was not used;
-- timestamp_rejected: why not (before 2025, unreadable, too far ahead of the receive time).
ALTER TABLE mqtt_bridge.telemetry ADD COLUMN IF NOT EXISTS retained boolean NOT NULL DEFAULT false;
ALTER TABLE mqtt_bridge.telemetry ADD COLUMN IF NOT EXISTS reported_timestamp text;
ALTER TABLE mqtt_bridge.telemetry ADD COLUMN IF NOT EXISTS timestamp_rejected text;
ALTER TABLE mqtt_bridge.telemetry_rejected ADD COLUMN IF NOT EXISTS retained boolean NOT NULL DEFAULT false;
