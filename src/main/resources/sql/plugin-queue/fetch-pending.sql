-- The plugin's next unprocessed rows, in id order (nothing when the plugin is not installed).
SELECT id, topic, payload, qos, retain, created_at
  FROM mqtt_bridge.plugin_queue_fetch(CAST(:#batchSize AS integer))
