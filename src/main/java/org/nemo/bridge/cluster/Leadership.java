package org.nemo.bridge.cluster;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.component.master.MasterEndpoint;
import org.apache.camel.support.task.Tasks;
import org.apache.camel.support.task.budget.Budgets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this instance is the one that publishes, from Camel's cluster service
 * for the {@code bridge} namespace — the same one the {@code master:bridge:} routes follow. The
 * drains ask it per wake-up rather than run under {@code master:}, whose consumer starts a
 * second after leadership is taken (a fixed delay in camel-master 4.17).
 * Without a cluster service every instance leads (a single instance).
 */
public class Leadership {

    public static final String NAMESPACE = "bridge";
    /** The route group of the leader's drains (routes/outbox.yaml, routes/plugin-queue.yaml). */
    public static final String DRAINS = "drains";
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private final Duration stepDownWait;
    private volatile boolean leader;
    private volatile boolean clustered;

    /** @param stepDownWait how long a leader that steps down lets its master: routes finish the exchanges in hand */
    public Leadership(MeterRegistry registry, Duration stepDownWait) {
        this.stepDownWait = stepDownWait;
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
                awaitInHandDone(camelContext);
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
     * A leader that steps down starts no new batch (the drains check {@link #isLeader()} per
     * wake-up and per message) but lets the exchanges in hand of its {@code master:} routes and
     * of the routes in group {@value #DRAINS} finish before camel-master stops those consumers
     * (which interrupts them): above all a drain's batch, published and acknowledged, is then
     * marked, so that no leader sends it again. Leadership is usually lost because the
     * database went away, and the mark needs the database: the drain's redelivery retries it,
     * and this waits for it at most {@code bridge.cluster.step-down-wait}. A longer outage may
     * cost the batch in hand, which the new leader sends again.
     */
    private void awaitInHandDone(CamelContext camelContext) {
        List<String> leaders = camelContext.getRoutes().stream()
                .filter(route -> route.getEndpoint() instanceof MasterEndpoint || DRAINS.equals(route.getGroup()))
                .map(route -> route.getRouteId())
                .toList();
        Tasks.foregroundTask()
                .withName("step-down")
                .withBudget(Budgets.iterationTimeBudget()
                        .withInterval(Duration.ofMillis(10))
                        .withMaxDuration(stepDownWait)
                        .build())
                .build()
                .run(camelContext, () -> leaders.stream().allMatch(route -> camelContext.getInflightRepository().size(route) == 0));
    }

    private synchronized void changed(boolean nowLeader) {
        if (nowLeader == leader) {
            return;
        }
        leader = nowLeader;
        listeners.forEach(l -> l.accept(nowLeader));
    }
}
