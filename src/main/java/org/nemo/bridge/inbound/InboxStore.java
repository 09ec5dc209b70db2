package org.nemo.bridge.inbound;

import java.sql.Timestamp;
import java.sql.Types;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** Stores enveloped messages in batches; a message_id already in the inbox is skipped, not stored twice. */
public class InboxStore extends BatchStore<InboxEntry> {

    private static final String INSERT = InboundSql.load("inbox-insert.sql");

    private final JdbcTemplate jdbc;
    private final InboundMetrics metrics;

    public InboxStore(JdbcTemplate jdbc, TransactionTemplate transaction, InboundMetrics metrics) {
        super("envelopes", transaction);
        this.jdbc = jdbc;
        this.metrics = metrics;
    }

    @Override
    Runnable write(List<InboxEntry> batch) {
        int[][] counts = jdbc.batchUpdate(INSERT, batch, batch.size(), (ps, e) -> {
            ps.setString(1, e.messageId());
            ps.setString(2, e.messageType());
            ps.setString(3, e.topic());
            ps.setString(4, e.receivedOn());
            ps.setString(5, e.sourceService());
            ps.setString(6, e.requestId());
            ps.setString(7, e.replyTo());
            ps.setString(8, e.status());
            ps.setString(9, e.eventType());
            ps.setString(10, e.payloadJson());
            ps.setBoolean(11, e.valid());
            ps.setString(12, e.reason());
            ps.setBytes(13, e.raw());
            ps.setTimestamp(14, Timestamp.from(e.receivedAt()));
            ps.setObject(15, e.rawSize(), Types.INTEGER);
        });
        int stored = 0;
        int invalid = 0;
        int duplicates = 0;
        for (int i = 0; i < batch.size(); i++) {
            int count = counts[0][i];
            if (count == 0) {
                duplicates++;
            } else if (batch.get(i).valid()) {
                stored++;
            } else {
                invalid++;
            }
        }
        int s = stored;
        int v = invalid;
        int d = duplicates;
        return () -> metrics.envelopes(s, v, d);
    }

    @Override
    InboxEntry refused(InboxEntry entry, String why) {
        return entry.refusedBy(why);
    }
}
