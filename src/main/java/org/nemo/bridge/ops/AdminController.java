package org.nemo.bridge.ops;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.nemo.bridge.config.ClasspathText;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.http.HttpStatus;

/**
 * What ops do by hand, behind the admin login: replay dead events, republish every tool's
 * retained state, look at the outbox by status. Each action rings the doorbell so the drain
 * starts at once.
 */
@RestController
@RequestMapping("/api/admin")
public class AdminController {

    private static final List<String> STATUSES = List.of("pending", "published", "dead");

    private final NamedParameterJdbcTemplate db;

    public AdminController(NamedParameterJdbcTemplate db) {
        this.db = db;
    }

    /** Dead events back to pending: all, some ids, or those created in [from, to). */
    @PostMapping("/outbox/replay")
    public Map<String, Object> replayDead(@RequestParam(required = false) List<Long> ids,
                                          @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) OffsetDateTime from,
                                          @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) OffsetDateTime to) {
        MapSqlParameterSource params = new MapSqlParameterSource()
                .addValue("ids", ids == null ? null : ids.toArray(Long[]::new))
                .addValue("from", from)
                .addValue("to", to);
        return ringing("replayed", db.queryForObject(sql("replay-dead.sql"), params, Long.class));
    }

    @PostMapping("/plugin-queue/replay")
    public Map<String, Object> replayPluginQueue(@RequestParam(required = false) List<Long> ids) {
        MapSqlParameterSource params = new MapSqlParameterSource().addValue("ids", ids == null ? null : ids.toArray(Long[]::new));
        return ringing("replayed", db.queryForObject(sql("replay-plugin-queue.sql"), params, Long.class));
    }

    /** The retained state of every tool, published again (after a broker lost its retained messages). */
    @PostMapping("/states/republish")
    public Map<String, Object> republishStates() {
        return ringing("queued", db.queryForObject(sql("republish-states.sql"), new MapSqlParameterSource(), Long.class));
    }

    @GetMapping("/outbox")
    public Map<String, Object> outbox(@RequestParam(defaultValue = "dead") String status,
                                      @RequestParam(defaultValue = "100") int limit) {
        if (!STATUSES.contains(status)) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "status must be one of " + STATUSES);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("counts", db.queryForMap("SELECT count(*) FILTER (WHERE status = 'pending') AS pending, "
                + "count(*) FILTER (WHERE status = 'published') AS published, count(*) FILTER (WHERE status = 'dead') AS dead "
                + "FROM mqtt_bridge.outbox", new MapSqlParameterSource()));
        body.put("rows", db.queryForList(sql("outbox-by-status.sql"),
                new MapSqlParameterSource().addValue("status", status).addValue("limit", Math.max(1, Math.min(limit, 1000)))));
        return body;
    }

    private Map<String, Object> ringing(String what, Long count) {
        db.getJdbcTemplate().execute("NOTIFY nemo_mqtt_events");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(what, count);
        return body;
    }

    private static String sql(String name) {
        return ClasspathText.read("sql/admin/" + name);
    }
}
