package org.nemo.bridge.inbound;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Inbound as ops see it: messages stored by kind and outcome, and how many machines are online. */
public class InboundMetrics {

    private final Counter telemetryStored;
    private final Counter telemetryRejected;
    private final Counter telemetryRetainedRepeat;
    private final Counter envelopesStored;
    private final Counter envelopesInvalid;
    private final Counter envelopesDuplicate;
    private final AtomicLong machinesOnline = new AtomicLong();
    private final AtomicLong machinesKnown = new AtomicLong();

    public InboundMetrics(MeterRegistry registry) {
        telemetryStored = counter(registry, "telemetry", "stored");
        telemetryRejected = counter(registry, "telemetry", "rejected");
        telemetryRetainedRepeat = counter(registry, "telemetry", "retained-repeat");
        envelopesStored = counter(registry, "envelope", "stored");
        envelopesInvalid = counter(registry, "envelope", "invalid");
        envelopesDuplicate = counter(registry, "envelope", "duplicate");
        Gauge.builder("nemo.machines.online", machinesOnline, AtomicLong::get)
                .description("Machines that sent telemetry within bridge.inbound.machine-offline-after").register(registry);
        Gauge.builder("nemo.machines.known", machinesKnown, AtomicLong::get)
                .description("Machines that ever sent telemetry").register(registry);
    }

    private static Counter counter(MeterRegistry registry, String kind, String outcome) {
        return Counter.builder("nemo.inbound.messages").tag("kind", kind).tag("outcome", outcome)
                .description("Inbound MQTT messages committed to the database").register(registry);
    }

    /** @param retainedRepeats retained messages replayed by the broker whose payload was stored before: not stored again */
    void telemetry(int stored, int rejected, int retainedRepeats) {
        telemetryStored.increment(stored);
        telemetryRejected.increment(rejected);
        telemetryRetainedRepeat.increment(retainedRepeats);
    }

    void envelopes(int stored, int invalid, int duplicates) {
        envelopesStored.increment(stored);
        envelopesInvalid.increment(invalid);
        envelopesDuplicate.increment(duplicates);
    }

    void machines(long online, long known) {
        machinesOnline.set(online);
        machinesKnown.set(known);
    }
}
