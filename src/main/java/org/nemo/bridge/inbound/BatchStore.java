package org.nemo.bridge.inbound;

import java.util.ArrayList;
import java.util.List;

import org.nemo.bridge.wire.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The store step of an inbound route: one batch (the aggregate's body) in one transaction. A
 * batch the database refuses for what is in it is split: each message alone, and one that is
 * still refused is kept as a rejection with the database's reason. An outage (the database
 * away) is thrown: routes/inbound-errors.yaml redelivers the batch, and its messages stay
 * unacknowledged until it is committed.
 */
abstract class BatchStore<T> {

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final String what;
    private final TransactionTemplate transaction;
    private volatile boolean databaseAway;

    BatchStore(String what, TransactionTemplate transaction) {
        this.what = what;
        this.transaction = transaction;
    }

    /** Writes one batch inside the open transaction; returns what to do once it is committed. */
    abstract Runnable write(List<T> batch);

    /** The same message turned into something the database cannot refuse (a rejection with the reason). */
    abstract T refused(T item, String why);

    /** Route step: stores the batch, or throws while the database is away. */
    public void store(List<T> batch) {
        try {
            try {
                commit(batch);
            } catch (DataAccessException e) {
                if (outage(e)) {
                    throw e;
                }
                for (T item : batch) {
                    storeAlone(item);
                }
            }
        } catch (RuntimeException e) {
            if (!databaseAway) {
                databaseAway = true;
                log.warn("Database unavailable ({}); inbound {} wait unacknowledged, the broker keeps the rest",
                        LogText.of(String.valueOf(NestedExceptionUtils.getMostSpecificCause(e).getMessage())), what);
            }
            throw e;
        }
        if (databaseAway) {
            databaseAway = false;
            log.info("Database back; inbound {} stored again", what);
        }
    }

    private void commit(List<T> items) {
        Runnable afterCommit = transaction.execute(status -> write(items));
        if (afterCommit != null) {
            afterCommit.run();
        }
    }

    private void storeAlone(T item) {
        try {
            commit(List.of(item));
        } catch (DataAccessException e) {
            if (outage(e)) {
                throw e;
            }
            String why = e.getMostSpecificCause().getMessage();
            log.warn("Inbound {} refused by the database, kept as rejected: {}", what, LogText.of(why));
            try {
                commit(new ArrayList<>(List.of(refused(item, why == null ? e.toString() : why))));
            } catch (DataAccessException again) {
                if (outage(again)) {
                    throw again;
                }
                log.error("Inbound {} dropped, even its rejection was refused: {}", what,
                        LogText.of(again.getMostSpecificCause().getMessage()));
            }
        }
    }

    private static boolean outage(DataAccessException e) {
        return e instanceof TransientDataAccessException || e instanceof DataAccessResourceFailureException
                || e instanceof RecoverableDataAccessException;
    }
}
