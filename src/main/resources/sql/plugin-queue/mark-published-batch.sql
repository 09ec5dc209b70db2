-- Done after the broker's PUBACKs, as the plugin's own bridge marks them (processed = true):
-- the batch in one statement. publishedIds is their ids, comma-separated. Returns when each
-- row it marked was queued, for the publish latency.
SELECT created_at
  FROM mqtt_bridge.plugin_queue_processed_batch(CAST(string_to_array(:#${exchangeProperty.publishedIds}, ',') AS bigint[]))
