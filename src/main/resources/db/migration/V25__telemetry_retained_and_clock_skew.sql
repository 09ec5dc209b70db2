-- Issue 21: a reading's own time is believed only within bridge.inbound.max-clock-skew of
-- its receive time.

-- reported_timestamp: the payload's timestamp as sent, when it was not used;
-- timestamp_rejected: why not (before 2025, unreadable, too far ahead of the receive time).
ALTER TABLE mqtt_bridge.telemetry ADD COLUMN IF NOT EXISTS reported_timestamp text;
ALTER TABLE mqtt_bridge.telemetry ADD COLUMN IF NOT EXISTS timestamp_rejected text;
