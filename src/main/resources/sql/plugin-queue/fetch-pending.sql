-- The plugin's next unprocessed rows, in id order, bounded by rows and by bytes; a row over the
-- per-row limit is set aside by the fetch itself, its payload never loaded (V22). Nothing when
-- the plugin is not installed.
SELECT id, topic, payload, qos, retain, created_at, dead_reason, more_pending
  FROM mqtt_bridge.plugin_queue_fetch(CAST(:#batchSize AS integer), CAST(:#maxRowBytes AS bigint),
                                      CAST(:#maxBatchBytes AS bigint))
