-- Done after the broker's PUBACKs, as the plugin's own bridge marks them: the batch in one
-- statement. ids is a PostgreSQL array literal ({1,2,3}).
SELECT mqtt_bridge.plugin_queue_processed_batch(CAST(:#${exchangeProperty.publishedIds} AS bigint[]))
