package org.nemo.bridge.support;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The outbox and the plugin's queue as the bad-input tests read and fill them. */
public final class OutboxRows {

    /** How long a row may take to be published or set aside. */
    public static final Duration WITHIN = Duration.ofSeconds(20);

    private OutboxRows() {
    }

    /** A row in the plugin's queue, with the NOTIFY the plugin sends. */
    public static long pluginRow(JdbcTemplate db, String topic, String payload) {
        Long id = db.queryForObject("INSERT INTO nemo_mqtt_mqtt_eventqueue (topic, payload, qos, retain, processed, created_at)"
                + " VALUES (?, ?, 1, false, false, now()) RETURNING id", Long.class, topic, payload);
        db.queryForObject("SELECT pg_notify('nemo_mqtt_events', ?)", Object.class, String.valueOf(id));
        return id;
    }

    /** Why the plugin row was set aside, or null while it is not. */
    public static String deadPluginReason(JdbcTemplate db, long queueId) {
        List<String> reasons = db.queryForList("SELECT last_error FROM mqtt_bridge.plugin_queue_dead WHERE queue_id = ?", String.class, queueId);
        return reasons.isEmpty() ? null : reasons.get(0);
    }

    public static String status(JdbcTemplate db, long id) {
        return db.queryForObject("SELECT status FROM mqtt_bridge.outbox WHERE id = ?", String.class, id);
    }

    public static void awaitStatus(JdbcTemplate db, long id, String wanted) {
        awaitTrue("row " + id + " " + wanted, () -> wanted.equals(status(db, id)));
    }

    /** Waits for the outbox row to go dead; its reason is there and safe for a log line. */
    public static String awaitDead(JdbcTemplate db, long id) {
        awaitStatus(db, id, "dead");
        String reason = db.queryForObject("SELECT last_error FROM mqtt_bridge.outbox WHERE id = ?", String.class, id);
        assertThat(reason).as("last_error of dead event " + id).isNotBlank().doesNotContain("\u0001", "\n", "\r");
        return reason;
    }

    public static void awaitTrue(BooleanSupplier condition) {
        awaitTrue("condition", condition);
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + WITHIN.toMillis();
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as(what + " within " + WITHIN).isLessThan(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
