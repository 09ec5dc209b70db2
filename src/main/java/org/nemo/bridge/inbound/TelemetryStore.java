package org.nemo.bridge.inbound;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stores telemetry in batches (accepted readings, rejections) and, in the same transaction,
 * moves each machine's last_seen forward (and a silent machine back online). A new machine
 * is admitted while fewer than bridge.inbound.max-machines are known; beyond that its
 * readings are rejected with the reason, and the machines already known keep working.
 * <p>
 * A retained message the broker replays on subscribe is the broker's memory of an old
 * reading: it is stored the first time its payload is seen on its topic and never again (not
 * after a restart, nor with a new or expired session), and it never makes its machine seen.
 */
public class TelemetryStore extends BatchStore<TelemetryReading> {

    private static final String INSERT = InboundSql.load("telemetry-insert.sql");
    private static final String REJECT = InboundSql.load("telemetry-reject.sql");
    private static final String MACHINES_SEEN = InboundSql.load("machine-seen.sql");
    private static final String MACHINES_ADMITTED = InboundSql.load("machine-admit.sql");
    private static final String ADMISSION_LOCK = InboundSql.load("machine-admit-lock.sql");
    private static final String RETAINED = InboundSql.load("telemetry-retained.sql");

    private final JdbcTemplate jdbc;
    private final InboundMetrics metrics;
    private final int maxMachines;

    public TelemetryStore(JdbcTemplate jdbc, TransactionTemplate transaction, InboundMetrics metrics, int maxMachines) {
        super("telemetry", transaction);
        this.jdbc = jdbc;
        this.metrics = metrics;
        this.maxMachines = maxMachines;
    }

    @Override
    Runnable write(List<TelemetryReading> all) {
        List<TelemetryReading> batch = withoutRetainedRepeats(all);
        int repeats = all.size() - batch.size();
        Set<String> admitted = admitted(batch);
        List<TelemetryReading> accepted = new ArrayList<>(batch.size());
        List<TelemetryReading> rejected = new ArrayList<>();
        Map<String, Instant> seen = new TreeMap<>();
        for (TelemetryReading r : batch) {
            if (r.accepted() && admitted.contains(r.machineId())) {
                accepted.add(r);
                if (!r.retained()) {
                    seen.merge(r.machineId(), r.receivedAt(), (a, b) -> a.isAfter(b) ? a : b);
                }
            } else if (r.accepted()) {
                rejected.add(r.rejectedBecause("machine '" + r.machineId() + "' is new and bridge.inbound.max-machines ("
                        + maxMachines + ") machines are known already"));
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
                ps.setBoolean(10, r.retained());
                ps.setString(11, r.reportedTimestamp());
                ps.setString(12, r.timestampRejected());
            });
        }
        if (!rejected.isEmpty()) {
            jdbc.batchUpdate(REJECT, rejected, rejected.size(), (ps, r) -> {
                ps.setString(1, r.topic());
                ps.setString(2, r.reason());
                ps.setBytes(3, r.payload());
                ps.setString(4, r.payloadText());
                ps.setTimestamp(5, Timestamp.from(r.receivedAt()));
                ps.setInt(6, r.payloadSize());
                ps.setBoolean(7, r.retained());
            });
        }
        if (!seen.isEmpty()) {
            machinesSeen(seen);
        }
        return () -> metrics.telemetry(accepted.size(), rejected.size(), repeats);
    }

    /**
     * The batch without the retained messages whose payload is already stored for their topic;
     * the others' digests are recorded (telemetry-retained.sql) in the batch's transaction.
     */
    private List<TelemetryReading> withoutRetainedRepeats(List<TelemetryReading> batch) {
        Map<String, TelemetryReading> retained = new LinkedHashMap<>();
        for (TelemetryReading r : batch) {
            if (r.retained()) {
                retained.putIfAbsent(r.topic(), r);
            }
        }
        if (retained.isEmpty()) {
            return batch;
        }
        Set<String> firstSeen = jdbc.execute((ConnectionCallback<Set<String>>) connection -> {
            try (var ps = connection.prepareStatement(RETAINED)) {
                ps.setArray(1, connection.createArrayOf("text", retained.keySet().toArray()));
                ps.setArray(2, connection.createArrayOf("text", retained.values().stream().map(TelemetryReading::retainedSha256).toArray()));
                ps.setArray(3, connection.createArrayOf("timestamptz",
                        retained.values().stream().map(r -> Timestamp.from(r.receivedAt())).toArray()));
                Set<String> topics = new HashSet<>();
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        topics.add(rs.getString(1));
                    }
                }
                return topics;
            }
        });
        List<TelemetryReading> kept = new ArrayList<>(batch.size());
        for (TelemetryReading r : batch) {
            if (!r.retained() || (firstSeen.contains(r.topic()) && retained.get(r.topic()) == r)) {
                kept.add(r);
            }
        }
        return kept;
    }

    /**
     * The machines of the batch it may store: known ones, and new ones while there is room.
     * Only a batch with a new machine takes the admission lock.
     */
    private Set<String> admitted(List<TelemetryReading> batch) {
        Set<String> ids = new HashSet<>();
        for (TelemetryReading r : batch) {
            if (r.accepted()) {
                ids.add(r.machineId());
            }
        }
        if (ids.isEmpty()) {
            return ids;
        }
        Set<String> admitted = admit(ids);
        if (admitted.size() < ids.size()) {
            jdbc.query(ADMISSION_LOCK, rs -> null);
            admitted = admit(ids);
        }
        return admitted;
    }

    private Set<String> admit(Set<String> ids) {
        return jdbc.execute((ConnectionCallback<Set<String>>) connection -> {
            try (var ps = connection.prepareStatement(MACHINES_ADMITTED)) {
                ps.setArray(1, connection.createArrayOf("text", ids.toArray()));
                ps.setInt(2, maxMachines);
                Set<String> admitted = new HashSet<>();
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        admitted.add(rs.getString(1));
                    }
                }
                return admitted;
            }
        });
    }

    private void machinesSeen(Map<String, Instant> seen) {
        jdbc.execute((ConnectionCallback<Integer>) connection -> {
            Array ids = connection.createArrayOf("text", seen.keySet().toArray());
            Array times = connection.createArrayOf("timestamptz", seen.values().stream().map(Timestamp::from).toArray());
            try (var ps = connection.prepareStatement(MACHINES_SEEN)) {
                ps.setArray(1, ids);
                ps.setArray(2, times);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    TelemetryReading refused(TelemetryReading reading, String why) {
        return reading.refusedBy(why);
    }

    private static void setDouble(PreparedStatement ps, int index, Double value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.DOUBLE);
        } else {
            ps.setDouble(index, value);
        }
    }
}
