package org.nemo.bridge.support;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;

/** Does to NEMO's tables what NEMO does, as plain SQL: users, tools, usage, tasks. */
public class NemoLab {

    private final JdbcTemplate db;

    public NemoLab(DataSource dataSource) {
        this.db = new JdbcTemplate(dataSource);
    }

    public JdbcTemplate db() {
        return db;
    }

    public int user(String first, String last) {
        String username = (first + "." + last).toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 6);
        return db.queryForObject("INSERT INTO \"NEMO_user\" (username, first_name, last_name) VALUES (?, ?, ?) RETURNING id",
                Integer.class, username, first, last);
    }

    public String username(int userId) {
        return db.queryForObject("SELECT username FROM \"NEMO_user\" WHERE id = ?", String.class, userId);
    }

    public int tool(String name) {
        return db.queryForObject("INSERT INTO \"NEMO_tool\" (name) VALUES (?) RETURNING id", Integer.class, name);
    }

    public int childTool(String name, int parentId) {
        return db.queryForObject("INSERT INTO \"NEMO_tool\" (name, parent_tool_id) VALUES (?, ?) RETURNING id",
                Integer.class, name, parentId);
    }

    /** The user enables the tool: a usage event with no end. Returns the usage id. */
    public int enable(int toolId, int userId) {
        return db.queryForObject("INSERT INTO \"NEMO_usageevent\" (user_id, operator_id, tool_id, start) "
                + "VALUES (?, ?, ?, clock_timestamp()) RETURNING id", Integer.class, userId, userId, toolId);
    }

    public void disable(int usageId) {
        db.update("UPDATE \"NEMO_usageevent\" SET \"end\" = clock_timestamp() WHERE id = ?", usageId);
    }

    /** A delayed logoff: the usage ends in the future. */
    public void disableAt(int usageId, Instant end) {
        db.update("UPDATE \"NEMO_usageevent\" SET \"end\" = ? WHERE id = ?", Timestamp.from(end), usageId);
    }

    public void setOperational(int toolId, boolean operational) {
        db.update("UPDATE \"NEMO_tool\" SET operational = ? WHERE id = ?", operational, toolId);
    }

    public int task(int toolId, String problem, boolean forceShutdown) {
        return db.queryForObject("INSERT INTO \"NEMO_task\" (tool_id, problem_description, force_shutdown) "
                + "VALUES (?, ?, ?) RETURNING id", Integer.class, toolId, problem, forceShutdown);
    }

    public long enqueue(String eventType, String payloadJson, Integer toolId, String topic) {
        return db.queryForObject("SELECT mqtt_bridge.enqueue(?, ?::jsonb, ?, ?)", Long.class, eventType, payloadJson, toolId,
                topic);
    }

    public String status(long outboxId) {
        return db.queryForObject("SELECT status FROM mqtt_bridge.outbox WHERE id = ?", String.class, outboxId);
    }

    public int outboxRows(int toolId) {
        return db.queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE tool_id = ?", Integer.class, toolId);
    }
}
