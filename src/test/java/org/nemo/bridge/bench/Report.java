package org.nemo.bridge.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/** The results as the Markdown table of docs/BENCHMARKS.md: each figure, and the bridge's as a ratio to the baseline's. */
final class Report {

    private Report() {
    }

    private record Row(String label, String phase, String field, String target) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("latency p50 @100/s (ms)", "steady100", "p50Ms", "≤ 4"),
            new Row("latency p90 @100/s (ms)", "steady100", "p90Ms", ""),
            new Row("latency p99 @100/s (ms)", "steady100", "p99Ms", "≤ 10"),
            new Row("latency max @100/s (ms)", "steady100", "maxMs", ""),
            new Row("latency p50 @1,000/s (ms)", "steady1000", "p50Ms", ""),
            new Row("latency p90 @1,000/s (ms)", "steady1000", "p90Ms", ""),
            new Row("latency p99 @1,000/s (ms)", "steady1000", "p99Ms", ""),
            new Row("latency max @1,000/s (ms)", "steady1000", "maxMs", ""),
            new Row("max sustained throughput (events/s)", "maxThroughput", "deliveredPerSecond", "≥ 10,000; ≥ 50 % of baseline"),
            new Row("  offered by the producers (events/s)", "maxThroughput", "offeredPerSecond", ""),
            new Row("backlog drain, {rows} rows (s)", "backlog", "drainSeconds", "≤ 10"),
            new Row("  drain rate (events/s)", "backlog", "drainPerSecond", ""),
            new Row("CPU @100/s (% of one core)", "steady100", "cpuPercent", ""),
            new Row("CPU @1,000/s (% of one core)", "steady1000", "cpuPercent", ""),
            new Row("CPU during backlog drain (% of one core)", "backlog", "cpuPercent", ""),
            new Row("CPU seconds for the backlog", "backlog", "cpuSeconds", ""),
            new Row("CPU per event @100/s (µs)", "steady100", "cpuMicrosPerEvent", ""),
            new Row("CPU per event @1,000/s (µs)", "steady1000", "cpuMicrosPerEvent", ""),
            new Row("CPU per event, max throughput (µs)", "maxThroughput", "cpuMicrosPerEvent", ""),
            new Row("CPU per event, backlog (µs)", "backlog", "cpuMicrosPerEvent", ""),
            new Row("RSS peak, whole run (MB)", null, "rssMaxMb", "≤ 256"));

    static String markdown(Map<String, Object> report) {
        JsonNode root = Bench.JSON.valueToTree(report);
        JsonNode results = root.path("results");
        List<String> subjects = new ArrayList<>();
        results.fieldNames().forEachRemaining(subjects::add);
        StringBuilder md = new StringBuilder();
        JsonNode server = root.path("postgres");
        md.append("PostgreSQL ").append(server.path("mode").asText("fast")).append(": fsync ").append(server.path("fsync").asText("?"))
                .append(", synchronous_commit ").append(server.path("synchronous_commit").asText("?"))
                .append(", full_page_writes ").append(server.path("full_page_writes").asText("?")).append("\n\n");
        boolean baseline = subjects.contains("baseline");
        List<String> compared = subjects.stream().filter(s -> !s.equals("baseline")).toList();
        md.append("| figure | ").append(String.join(" | ", subjects));
        for (String s : baseline ? compared : List.<String>of()) {
            md.append(" | ").append(s).append(" ÷ baseline");
        }
        md.append(" | target |\n");
        md.append("|---".repeat(subjects.size() + (baseline ? compared.size() : 0) + 2)).append("|\n");
        for (Row row : ROWS) {
            md.append("| ").append(row.label().replace("{rows}", String.format(Locale.ROOT, "%,d", root.path("backlogRows").asInt())));
            for (String s : subjects) {
                md.append(" | ").append(text(value(results.path(s), row)));
            }
            for (String s : baseline ? compared : List.<String>of()) {
                double b = value(results.path(s), row);
                double a = value(results.path("baseline"), row);
                md.append(" | ").append(a > 0 && !Double.isNaN(b) ? String.format(Locale.ROOT, "%.2f", b / a) : "–");
            }
            md.append(" | ").append(row.target()).append(" |\n");
        }
        md.append("\nLoad average during each subject's phases (1, 5, 15 min): ");
        for (String s : subjects) {
            md.append(s).append(" ").append(results.path(s).path("steady1000").path("load").asText()).append("; ");
        }
        md.append("\n");
        return md.toString();
    }

    private static double value(JsonNode subject, Row row) {
        JsonNode node = row.phase() == null ? subject.path(row.field()) : subject.path(row.phase()).path(row.field());
        return node.isNumber() ? node.asDouble() : Double.NaN;
    }

    private static String text(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
