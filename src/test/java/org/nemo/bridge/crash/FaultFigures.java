package org.nemo.bridge.crash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.nemo.bridge.crash.EventRecorder.Arrival;

/** What one fault run measured, as the README's table shows it. */
record FaultFigures(String fault, int sent, int received, int lost, int duplicates, int orderViolations,
                    double recoverSeconds, double rate, int duplicateBound) {

    static final Path REPORT = Path.of("target", "crash-suite", "figures.md");

    static FaultFigures of(String fault, int sent, List<Arrival> arrivals, long faultEndNanos, long firstAfterNanos,
                           double rate, int duplicateBound) {
        Set<Integer> indexes = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (Arrival a : arrivals) {
            indexes.add(a.index());
            ids.add(a.eventId());
        }
        int lost = 0;
        for (int i = 0; i < sent; i++) {
            if (!indexes.contains(i)) {
                lost++;
            }
        }
        double recover = firstAfterNanos < 0 ? -1 : Math.max(0, firstAfterNanos - faultEndNanos) / 1e9;
        return new FaultFigures(fault, sent, arrivals.size(), lost, arrivals.size() - ids.size(),
                EventRecorder.orderViolations(arrivals), recover, rate, duplicateBound);
    }

    String row() {
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d (≤ %d) | %d | %s | %.0f/s |", fault, sent, received, lost, duplicates,
                duplicateBound, orderViolations, recoverSeconds < 0 ? "—" : String.format(Locale.ROOT, "%.2f s", recoverSeconds), rate);
    }

    static final String HEADER = """
            | fault | sent | received | lost | duplicates (bound) | order violations | time to recover | rate sent |
            |---|---|---|---|---|---|---|---|""";

    /** Which events came more than once, and when (seconds from the fault's end), to tell where a duplicate was made. */
    static String duplicatesSeen(List<Arrival> arrivals, long faultEndNanos) {
        Set<String> ids = new HashSet<>();
        StringBuilder out = new StringBuilder();
        for (Arrival a : arrivals) {
            if (!ids.add(a.eventId())) {
                out.append(String.format(Locale.ROOT, " #%d(tool %d seq %d) again at %+.2f s;", a.index(), a.tool(), a.seq(),
                        (a.atNanos() - faultEndNanos) / 1e9));
            }
        }
        return out.toString();
    }

    /** Prints the row and appends it to target/crash-suite/figures.md (the header once per run). */
    void report() {
        System.out.println("CRASH " + row());
        try {
            Files.createDirectories(REPORT.getParent());
            if (!Files.exists(REPORT)) {
                Files.writeString(REPORT, HEADER + "\n");
            }
            Files.writeString(REPORT, row() + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
