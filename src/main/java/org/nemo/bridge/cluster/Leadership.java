package org.nemo.bridge.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Producer;
import org.apache.camel.Route;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.component.master.MasterEndpoint;
import org.apache.camel.support.RoutePolicySupport;
import org.apache.camel.support.service.ServiceHelper;
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
public class Leadership extends RoutePolicySupport {

    public static final String NAMESPACE = "bridge";
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    /** The routes with this as their route policy: the drains (routes/outbox.yaml, routes/plugin-queue.yaml). */
    private final Set<String> drains = ConcurrentHashMap.newKeySet();
    private final Duration stepDownWait;
    private volatile boolean leader;
    private volatile boolean clustered;
    private volatile CamelContext camelContext;

    /** @param stepDownWait how long a leader that steps down lets its drains and master: routes finish the exchanges in hand */
    public Leadership(MeterRegistry registry, Duration stepDownWait) {
        this.stepDownWait = stepDownWait;
        Gauge.builder("nemo.bridge.leader", this, l -> l.leader ? 1 : 0)
                .description("1 while this instance is the one that publishes").register(registry);
    }

    /** Follows the cluster view once Camel has started it; without one, leads at once. */
    void attach(CamelContext camelContext, CamelClusterService service) throws Exception {
        this.camelContext = camelContext;
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
        // PostgresLeaderElection says so itself once its first check found the lock taken
        if (!leader && !(service instanceof PostgresLeaderElection)) {
            LOG.info("Waiting for leadership of '{}': another instance may be publishing", NAMESPACE);
        }
    }

    /** A route with {@code routePolicy: leadership}: a new leader rings it once; one that steps down lets it finish its batch in hand. */
    @Override
    public void onInit(Route route) {
        drains.add(route.getRouteId());
    }

    @Override
    public void onRemove(Route route) {
        drains.remove(route.getRouteId());
    }

    /** The ids of the routes whose batch in hand a leader stepping down waits for, besides its master: routes. */
    public Set<String> drains() {
        return Set.copyOf(drains);
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
     * of the drains (the routes with this route policy) finish before camel-master stops its
     * consumers (which interrupts them): above all a drain's batch, published and acknowledged, is then
     * marked, so that no leader sends it again. Leadership is usually lost because the
     * database went away, and the mark needs the database: the drain's redelivery retries it,
     * and this waits for it at most {@code bridge.cluster.step-down-wait}. A longer outage may
     * cost the batch in hand, which the new leader sends again.
     */
    private void awaitInHandDone(CamelContext camelContext) {
        List<String> leaders = camelContext.getRoutes().stream()
                .filter(route -> route.getEndpoint() instanceof MasterEndpoint || drains.contains(route.getRouteId()))
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
        if (nowLeader) {
            wakeDrains();
        }
    }

    /**
     * A follower's drains drop their wake-ups (their first step asks {@link #isLeader()}), so a
     * new leader rings each drain once, on its own endpoint (a queue of one that discards when
     * full): what was committed while it followed goes out now, not at the next poll.
     */
    private void wakeDrains() {
        CamelContext context = camelContext;
        if (context == null) {
            return;
        }
        for (String id : drains) {
            Route route = context.getRoute(id);
            if (route == null) {
                continue;
            }
            try {
                Producer bell = route.getEndpoint().createProducer();
                try {
                    ServiceHelper.startService(bell);
                    bell.process(route.getEndpoint().createExchange());
                } finally {
                    ServiceHelper.stopService(bell);
                }
            } catch (Exception e) {
                // the poll rings within bridge.outbox.poll-interval
                LOG.debug("Could not wake {}: {}", id, e.getMessage());
            }
        }
    }
}
