package org.nemo.bridge.cluster;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this instance is the one that publishes, from Camel's cluster service
 * for the {@code bridge} namespace — the same one the {@code master:bridge:} routes follow.
 * Without a cluster service every instance leads (a single instance).
 */
public class Leadership {

    public static final String NAMESPACE = "bridge";
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);
    private static final List<String> DRAIN_ROUTES = List.of("outbox-drain", "plugin-queue-drain");

    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean leader;
    private volatile boolean clustered;

    public Leadership(MeterRegistry registry) {
        Gauge.builder("nemo.bridge.leader", this, l -> l.leader ? 1 : 0)
                .description("1 while this instance is the one that publishes").register(registry);
    }

    /** Follows the cluster view once Camel has started it; without one, leads at once. */
    void attach(CamelContext camelContext, CamelClusterService service) throws Exception {
        if (service == null) {
            changed(true);
            return;
        }
        clustered = true;
        if (service instanceof PostgresLeaderElection election) {
            election.beforeSteppingDown(() -> {
                changed(false);
                awaitDrainsIdle(camelContext, election.checkIntervalMillis());
            });
        }
        CamelClusterView view = service.getView(NAMESPACE);
        view.addEventListener((CamelClusterEventListener.Leadership) (v, leaderMember) ->
                changed(leaderMember != null && leaderMember.isLocal()));
        changed(view.getLeader().map(m -> m.isLocal()).orElse(false));
        if (!leader) {
            LOG.info("Waiting for leadership of '{}': another instance may be publishing", NAMESPACE);
        }
    }

    public void onChange(Consumer<Boolean> listener) {
        listeners.add(listener);
        listener.accept(leader);
    }

    public boolean isLeader() {
        return leader;
    }

    public boolean isClustered() {
        return clustered;
    }

    /**
     * A leader that steps down publishes nothing more (the drains check {@link #isLeader()} per
     * message) but lets the batch in hand be acknowledged and marked, so that the next leader
     * does not send it again; waits at most {@code maxMillis}.
     */
    private static void awaitDrainsIdle(CamelContext camelContext, long maxMillis) {
        long deadline = System.currentTimeMillis() + maxMillis;
        try {
            while (DRAIN_ROUTES.stream().anyMatch(route -> camelContext.getInflightRepository().size(route) > 0)
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void changed(boolean nowLeader) {
        if (nowLeader == leader) {
            return;
        }
        leader = nowLeader;
        listeners.forEach(l -> l.accept(nowLeader));
    }
}
