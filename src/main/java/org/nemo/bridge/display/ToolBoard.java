package org.nemo.bridge.display;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.config.ClasspathText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What the display pages show: every tool's state, read from the database the retained MQTT
 * state is built from, and pushed to the {@link DisplayFeed} when it changes. The board is
 * only read while a display is connected; a display that connects gets a fresh read.
 */
@Component
public class ToolBoard {

    private static final Logger LOG = LoggerFactory.getLogger(ToolBoard.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final JdbcTemplate db;
    private final ObjectMapper json;
    private final DisplayFeed feed;
    private final String query;
    private Map<Integer, ObjectNode> tools = Map.of();
    // false while the database cannot be read: the pages then say that their state may be old
    private volatile boolean readable = true;

    public ToolBoard(JdbcTemplate db, ObjectMapper json, DisplayFeed feed, BridgeProperties properties) {
        this.db = db;
        this.json = json;
        this.feed = feed;
        this.query = query(properties.nemo().schema());
    }

    /** Re-reads the board and pushes what changed; called on every NOTIFY and by the safety-net poll. */
    public synchronized void refresh() {
        if (!feed.hasSubscribers()) {
            return;
        }
        Map<Integer, ObjectNode> before = tools;
        if (!read()) {
            return;
        }
        if (!before.keySet().equals(tools.keySet())) {
            feed.snapshot(tools, readable);
            return;
        }
        List<ObjectNode> changed = new ArrayList<>();
        tools.forEach((id, state) -> {
            if (!state.equals(before.get(id))) {
                changed.add(state);
            }
        });
        feed.changed(changed);
    }

    /** A new display: the others get whatever changed since the last read, the new one the whole board. */
    public synchronized void connect(DisplayFeed.Subscriber subscriber) {
        readNow();
        feed.add(subscriber, tools, readable);
    }

    /** Proves to every display that its stream is alive, and says whether the board is current. */
    public void heartbeat() {
        feed.heartbeat(readable);
    }

    public synchronized List<ObjectNode> tools() {
        readNow();
        return List.copyOf(tools.values());
    }

    /** A fresh read that the open pages hear about too, so that none of them misses a change. */
    private void readNow() {
        if (feed.hasSubscribers()) {
            refresh();
        } else {
            read();
        }
    }

    private boolean read() {
        try {
            Map<Integer, ObjectNode> now = new LinkedHashMap<>();
            db.query(query, rs -> {
                now.put(rs.getInt("tool_id"), parse(rs.getString("state")));
            });
            tools = now;
            if (!readable) {
                LOG.info("Display board readable again ({} tools)", now.size());
            }
            readable = true;
            return true;
        } catch (DataAccessException e) {
            if (readable) {
                LOG.warn("Display board cannot be read; displays keep the last state and say so: {}",
                        e.getMostSpecificCause().getMessage());
            }
            readable = false;
            return false;
        }
    }

    private ObjectNode parse(String state) {
        try {
            return (ObjectNode) json.readTree(state);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("tool state is not JSON: " + state, e);
        }
    }

    private static String query(String schema) {
        // the schema is spliced into SQL, so it must be a plain identifier
        if (!IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("bridge.nemo.schema is not a plain identifier: " + schema);
        }
        return ClasspathText.read("sql/display/tool-states.sql").replace("${nemo_schema}", schema);
    }
}
