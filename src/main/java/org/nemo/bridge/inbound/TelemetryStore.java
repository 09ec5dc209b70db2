package org.nemo.bridge.inbound;

import java.sql.Array;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;

import org.apache.camel.Exchange;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stores telemetry in batches (accepted readings, rejections) and, in the same transaction,
 * moves each machine's last_seen forward. A reading whose machine is new or back from
 * silence leaves its exchange with {@code machineStatusOwed}, so the route wakes the status
 * publisher.
 */
public class TelemetryStore extends GroupCommit<TelemetryReading> {

    private static final String INSERT = InboundSql.load("telemetry-insert.sql");
    private static final String REJECT = InboundSql.load("telemetry-reject.sql");
    private static final String MACHINES_SEEN = InboundSql.load("machine-seen.sql");

    private final JdbcTemplate jdbc;
    private final InboundMetrics metrics;
    private final Set<String> statusOwed = new HashSet<>();

    public TelemetryStore(JdbcTemplate jdbc, TransactionTemplate transaction, MqttClient client, int batchSize,
                          InboundMetrics metrics) {
        super("telemetry", TelemetryReading.class, client, transaction, batchSize);
        this.jdbc = jdbc;
        this.metrics = metrics;
    }

    @Override
    Runnable write(List<TelemetryReading> batch) {
        List<TelemetryReading> accepted = new ArrayList<>(batch.size());
        List<TelemetryReading> rejected = new ArrayList<>();
        Map<String, Instant> seen = new TreeMap<>();
        for (TelemetryReading r : batch) {
            if (r.accepted()) {
                accepted.add(r);
                seen.merge(r.machineId(), r.receivedAt(), (a, b) -> a.isAfter(b) ? a : b);
            } else {
                rejected.add(r);
            }
        }
        if (!accepted.isEmpty()) {
            jdbc.batchUpdate(INSERT, accepted, accepted.size(), (ps, r) -> {
                ps.setString(1, r.machineId());
                ps.setString(2, r.topic());
                ps.setTimestamp(3, Timestamp.from(r.measuredAt()));
                ps.setBoolean(4, r.timestampReplaced());
                setDouble(ps, 5, r.temperature());
                setDouble(ps, 6, r.humidity());
                setDouble(ps, 7, r.vibration());
                ps.setString(8, r.extraJson());
                ps.setTimestamp(9, Timestamp.from(r.receivedAt()));
            });
        }
        if (!rejected.isEmpty()) {
            jdbc.batchUpdate(REJECT, rejected, rejected.size(), (ps, r) -> {
                ps.setString(1, r.topic());
                ps.setString(2, r.reason());
                ps.setBytes(3, r.payload());
                ps.setString(4, r.payloadText());
                ps.setTimestamp(5, Timestamp.from(r.receivedAt()));
            });
        }
        Set<String> owed = seen.isEmpty() ? Set.of() : machinesSeen(seen);
        return () -> {
            metrics.telemetry(accepted.size(), rejected.size());
            statusOwed.clear();
            statusOwed.addAll(owed);
        };
    }

    /** Returns the machines whose retained status is now out of date. */
    private Set<String> machinesSeen(Map<String, Instant> seen) {
        return jdbc.execute((ConnectionCallback<Set<String>>) connection -> {
            Array ids = connection.createArrayOf("text", seen.keySet().toArray());
            Array times = connection.createArrayOf("timestamptz",
                    seen.values().stream().map(Timestamp::from).toArray());
            try (var ps = connection.prepareStatement(MACHINES_SEEN)) {
                ps.setArray(1, ids);
                ps.setArray(2, times);
                Set<String> owed = new HashSet<>();
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean("status_owed")) {
                            owed.add(rs.getString("machine_id"));
                        }
                    }
                }
                return owed;
            }
        });
    }

    @Override
    void committed(TelemetryReading reading, Exchange exchange) {
        exchange.setProperty("machineStatusOwed", reading.accepted() && statusOwed.remove(reading.machineId()));
    }

    @Override
    TelemetryReading refused(TelemetryReading reading, String why) {
        return reading.refusedBy(why);
    }

    private static void setDouble(java.sql.PreparedStatement ps, int index, Double value) throws java.sql.SQLException {
        if (value == null) {
            ps.setNull(index, Types.DOUBLE);
        } else {
            ps.setDouble(index, value);
        }
    }
}
