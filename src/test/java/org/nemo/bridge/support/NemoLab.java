package org.nemo.bridge.support;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;

/** Does to NEMO's tables what NEMO does, as plain SQL: users, tools, usage, tasks, interlocks, reservations, areas. */
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

    /** An interlock in the given state (-1 unknown, 1 unlocked, 2 locked). */
    public int interlock(int state) {
        return db.queryForObject("INSERT INTO \"NEMO_interlock\" (card_id, channel, state) VALUES (1, 1, ?) RETURNING id",
                Integer.class, state);
    }

    public int toolWithInterlock(String name, int interlockId) {
        return db.queryForObject("INSERT INTO \"NEMO_tool\" (name, interlock_id) VALUES (?, ?) RETURNING id",
                Integer.class, name, interlockId);
    }

    /** What NEMO writes after talking to the interlock card: the state and the card's reply. */
    public void setInterlockState(int interlockId, int state) {
        db.update("UPDATE \"NEMO_interlock\" SET state = ?, most_recent_reply = 'ok', most_recent_reply_time = now() "
                + "WHERE id = ?", state, interlockId);
    }

    public void rename(int toolId, String name) {
        db.update("UPDATE \"NEMO_tool\" SET name = ? WHERE id = ?", name, toolId);
    }

    public void setVisible(int toolId, boolean visible) {
        db.update("UPDATE \"NEMO_tool\" SET visible = ? WHERE id = ?", visible, toolId);
    }

    public int reserve(int toolId, int userId, Instant start, Instant end) {
        return db.queryForObject("INSERT INTO \"NEMO_reservation\" (user_id, creator_id, tool_id, start, \"end\") "
                + "VALUES (?, ?, ?, ?, ?) RETURNING id", Integer.class, userId, userId, toolId, Timestamp.from(start),
                Timestamp.from(end));
    }

    public int reserveArea(int areaId, int userId, Instant start, Instant end) {
        return db.queryForObject("INSERT INTO \"NEMO_reservation\" (user_id, creator_id, area_id, start, \"end\") "
                + "VALUES (?, ?, ?, ?, ?) RETURNING id", Integer.class, userId, userId, areaId, Timestamp.from(start),
                Timestamp.from(end));
    }

    public void moveReservation(int reservationId, Instant start, Instant end) {
        db.update("UPDATE \"NEMO_reservation\" SET start = ?, \"end\" = ? WHERE id = ?", Timestamp.from(start),
                Timestamp.from(end), reservationId);
    }

    public void cancelReservation(int reservationId) {
        db.update("UPDATE \"NEMO_reservation\" SET cancelled = true, cancellation_time = now() WHERE id = ?", reservationId);
    }

    public int area(String name) {
        return db.queryForObject("INSERT INTO \"NEMO_area\" (name) VALUES (?) RETURNING id", Integer.class, name);
    }

    /** The user enters the area: an access record with no end. */
    public int enterArea(int areaId, int userId) {
        return db.queryForObject("INSERT INTO \"NEMO_areaaccessrecord\" (area_id, customer_id, start) "
                + "VALUES (?, ?, clock_timestamp()) RETURNING id", Integer.class, areaId, userId);
    }

    public void leaveArea(int recordId) {
        db.update("UPDATE \"NEMO_areaaccessrecord\" SET \"end\" = clock_timestamp() WHERE id = ?", recordId);
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

    /** The event types written for a tool, in drain order. */
    public List<String> outboxEventTypes(int toolId) {
        return db.queryForList("SELECT event_type FROM mqtt_bridge.outbox WHERE tool_id = ? ORDER BY id", String.class, toolId);
    }
}
