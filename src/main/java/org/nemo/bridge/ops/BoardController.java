package org.nemo.bridge.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The status page's feed, open like the page itself: every tool in plain words, the
 * machines that report telemetry, and the bridge's health; nothing secret (no URLs, no settings).
 */
@RestController
public class BoardController {

    private final JdbcTemplate db;
    private final BridgeStatus status;

    public BoardController(JdbcTemplate db, BridgeStatus status) {
        this.db = db;
        this.status = status;
    }

    @GetMapping("/api/board")
    public Map<String, Object> board() {
        Map<String, Object> body = new LinkedHashMap<>();
        Map<String, Object> diagnostics = status.diagnostics();
        Map<String, Object> bridge = new LinkedHashMap<>();
        bridge.put("status", status.status());
        bridge.put("leader", diagnostics.get("leader"));
        bridge.put("broker_connected", diagnostics.get("broker_connected"));
        bridge.put("listen_connected", diagnostics.get("listen_connected"));
        bridge.put("pending", diagnostics.get("pending"));
        bridge.put("dead", diagnostics.get("dead"));
        bridge.put("lag_seconds", diagnostics.get("lag_seconds"));
        bridge.put("last_heartbeat", db.queryForObject(
                "SELECT mqtt_bridge.iso_time(max(last_heartbeat)) FROM mqtt_bridge.bridge_status WHERE instance_id <> '_schema'",
                String.class));
        bridge.put("version", status.version());
        body.put("bridge", bridge);
        List<Map<String, Object>> tools = db.queryForList("""
                SELECT tool_id, tool_name, parent_id, in_use, operational, user_name AS "user",
                       mqtt_bridge.iso_time(since) AS since, previous_user
                  FROM mqtt_bridge.tool_state ORDER BY lower(tool_name), tool_id""");
        body.put("tools", tools);
        body.put("machines", db.queryForList("""
                SELECT machine_id, online, mqtt_bridge.iso_time(last_seen) AS last_seen
                  FROM mqtt_bridge.machine ORDER BY machine_id"""));
        return body;
    }
}
