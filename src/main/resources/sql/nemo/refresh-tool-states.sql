-- Republishes the state of every tool whose next reservation or interlock is no longer what
-- was last published (a reservation started or came within the horizon); states a NEMO
-- transaction holds are left for the next run. Returns how many were refreshed.
SELECT mqtt_bridge.nemo_refresh_tool_states(NULL, NULL, NULL, true) AS refreshed
