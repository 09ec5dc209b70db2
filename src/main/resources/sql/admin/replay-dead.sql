-- Dead events back to pending (all, by id list, or by creation time range); the drain takes
-- them in id order. Returns how many.
WITH replayed AS (
    UPDATE mqtt_bridge.outbox
       SET status = 'pending', attempts = 0, last_error = NULL, next_attempt_at = NULL
     WHERE status = 'dead'
       AND (CAST(:ids AS bigint[]) IS NULL OR id = ANY (CAST(:ids AS bigint[])))
       AND (CAST(:from AS timestamptz) IS NULL OR created_at >= CAST(:from AS timestamptz))
       AND (CAST(:to AS timestamptz) IS NULL OR created_at < CAST(:to AS timestamptz))
    RETURNING id)
SELECT count(*) FROM replayed
