-- Done after the broker's PUBACK, as the plugin's own bridge marks it.
SELECT mqtt_bridge.plugin_queue_processed(CAST(:#${exchangeProperty.queueId} AS bigint))
