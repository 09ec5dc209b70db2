package org.nemo.bridge.outbound;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.config.ClasspathText;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A drain's fetch reads the rows of its batch, not the table, even when PostgreSQL's statistics
 * are from before a burst (autovacuum analyzes a table a minute or more after it grew, and a
 * bridge that was away comes back to exactly such a backlog). Each plan node of the fetch, run
 * with EXPLAIN ANALYZE on real PostgreSQL, may produce at most twice the batch. Before, the
 * outbox's fetch joined every pending row against the batch (2.8 s a fetch with 66,000 pending)
 * and the plugin queue's hashed the whole queue table, which keeps every row it processed.
 * What the plugin queue's fetch does with a row over the size limit, which the rewrite touched,
 * is checked here too.
 */
class FetchPlanTest {

    private static final int BATCH = 100;
    private static final int BACKLOG = 20_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theOutboxFetchReadsItsBatchWhateverTheStatisticsSay() throws Exception {
        DataSource ds = TestDatabase.migrated("fetch_plan_outbox");
        JdbcTemplate db = new JdbcTemplate(ds);
        // statistics of a quiet outbox: a few hundred rows, all published
        db.execute("ALTER TABLE mqtt_bridge.outbox SET (autovacuum_enabled = false)");
        db.queryForObject("SELECT count(mqtt_bridge.enqueue('quiet', '{}'::jsonb)) FROM generate_series(1, 300)", Long.class);
        db.update("UPDATE mqtt_bridge.outbox SET status = 'published', published_at = now()");
        db.execute("ANALYZE mqtt_bridge.outbox");
        db.queryForObject("SELECT count(mqtt_bridge.enqueue('burst', jsonb_build_object('n', g))) FROM generate_series(1, ?) g",
                Long.class, BACKLOG);

        String fetch = ClasspathText.read("sql/outbox/fetch-pending.sql")
                .replace(":#batchSize", "?").replace(":#maxRowBytes", "?").replace(":#maxBatchBytes", "?");
        JsonNode plan;
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + fetch)) {
            s.setInt(1, BATCH);
            s.setLong(2, 262_144);
            s.setLong(3, 8_388_608);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                plan = JSON.readTree(rs.getString(1)).get(0).get("Plan");
            }
        }
        assertThat(overBound(plan, false)).as("plan nodes producing more than %d rows", 2 * BATCH).isEmpty();
    }

    @Test
    void thePluginQueueFetchReadsItsBatchFromTheQueueTable() throws Exception {
        DataSource ds = TestDatabase.migrated("fetch_plan_plugin");
        TestDatabase.pluginTables(ds);
        JdbcTemplate db = new JdbcTemplate(ds);
        db.execute("ALTER TABLE nemo_mqtt_mqtt_eventqueue SET (autovacuum_enabled = false)");
        String rows = "INSERT INTO nemo_mqtt_mqtt_eventqueue (topic, payload, qos, retain, processed, created_at)"
                + " SELECT 'nemo/x', json_build_object('n', g)::text, 1, false, %s, now() FROM generate_series(1, %d) g";
        // the plugin's table keeps what it processed
        db.update(rows.formatted("true", 30_000));
        db.execute("ANALYZE nemo_mqtt_mqtt_eventqueue");
        db.update(rows.formatted("false", BACKLOG));

        // the fetch is a function: its statement's plan comes back as a LOG message
        List<JsonNode> plans = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("LOAD 'auto_explain'");
            s.execute("SET auto_explain.log_min_duration = 0");
            s.execute("SET auto_explain.log_nested_statements = on");
            s.execute("SET auto_explain.log_analyze = on");
            s.execute("SET auto_explain.log_format = json");
            s.execute("SET client_min_messages = log");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM mqtt_bridge.plugin_queue_fetch(" + BATCH + ", 262144, 8388608)")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(BATCH);
            }
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                String message = w.getMessage();
                int json = message.indexOf('{');
                if (json >= 0 && message.contains("nemo_mqtt_mqtt_eventqueue q")) {
                    plans.add(JSON.readTree(message.substring(json)).get("Plan"));
                }
            }
        }
        assertThat(plans).as("the fetch statement's plan").hasSize(1);
        // the head, the oldest unprocessed rows, reads the plugin's table by the partial index the
        // bridge adds at start where it may (db/nemo/triggers.sql), which this database, migrated
        // without the service, lacks: bounded after it
        assertThat(overBound(plans.get(0), true)).as("plan nodes past the head producing more than %d rows", 2 * BATCH).isEmpty();
    }

    @Test
    void anOversizedPluginRowIsSetAsideByTheFetchWithoutItsPayload() {
        DataSource ds = TestDatabase.migrated("fetch_plan_plugin_oversized");
        TestDatabase.pluginTables(ds);
        JdbcTemplate db = new JdbcTemplate(ds);
        String insert = "INSERT INTO nemo_mqtt_mqtt_eventqueue (topic, payload, qos, retain, processed, created_at)"
                + " VALUES ('nemo/x', ?, 1, false, false, now()) RETURNING id";
        long before = db.queryForObject(insert, Long.class, "{\"n\":1}");
        long large = db.queryForObject(insert, Long.class, "{\"blob\":\"" + "x".repeat(300_000) + "\"}");
        long after = db.queryForObject(insert, Long.class, "{\"n\":2}");

        List<Map<String, Object>> batch = db.queryForList("SELECT id, payload, dead_reason FROM mqtt_bridge.plugin_queue_fetch(100, 262144, 8388608)");
        assertThat(batch).extracting(row -> ((Number) row.get("id")).longValue()).containsExactly(before, large, after);
        assertThat(batch.get(1).get("payload")).isNull();
        assertThat((String) batch.get(1).get("dead_reason")).contains("over bridge.mqtt.max-payload-bytes (262144)");
        assertThat(batch.get(0).get("dead_reason")).isNull();
        assertThat(db.queryForObject("SELECT last_error FROM mqtt_bridge.plugin_queue_dead WHERE queue_id = ?", String.class, large))
                .contains("300011 bytes");
        // set aside: the next fetch skips it
        assertThat(db.queryForList("SELECT id FROM mqtt_bridge.plugin_queue_fetch(100, 262144, 8388608)", Long.class))
                .containsExactly(before, after);
    }

    /** Each plan node (outside the CTE head, if asked) that produced more than twice the batch. */
    private static List<String> overBound(JsonNode node, boolean skipHead) {
        List<String> over = new ArrayList<>();
        if (skipHead && "CTE head".equals(node.path("Subplan Name").asText())) {
            return over;
        }
        long produced = node.path("Actual Rows").asLong() * Math.max(1, node.path("Actual Loops").asLong());
        if (produced > 2L * BATCH) {
            over.add(node.path("Node Type").asText() + " " + node.path("Relation Name").asText("") + ": " + produced + " rows");
        }
        for (JsonNode child : node.path("Plans")) {
            over.addAll(overBound(child, skipHead));
        }
        return over;
    }
}
