-- Plugin queue rows set aside as dead are taken up again by the plugin-queue drain.
WITH replayed AS (
    DELETE FROM mqtt_bridge.plugin_queue_dead
     WHERE CAST(:ids AS bigint[]) IS NULL OR queue_id = ANY (CAST(:ids AS bigint[]))
    RETURNING queue_id)
SELECT count(*) FROM replayed
