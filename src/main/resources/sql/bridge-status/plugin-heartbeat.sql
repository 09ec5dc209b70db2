-- The Django plugin's monitor reads its own status row; keep it truthful when it exists.
SELECT mqtt_bridge.plugin_status_heartbeat(:#pluginStatus, CAST(:#pluginDiagnostics AS jsonb))
