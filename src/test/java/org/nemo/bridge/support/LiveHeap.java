package org.nemo.bridge.support;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The live heap of this JVM by class, from a class histogram, which counts what survived a full
 * collection. The heap in use some time after {@code System.gc()} also counts what the running
 * bridge allocated since (tens of MB in 100 ms under load), which is not held.
 */
public final class LiveHeap {

    private LiveHeap() {
    }

    /** After a full collection: class name to {instances, bytes}. */
    public static Map<String, long[]> classes() {
        try {
            String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            Map<String, long[]> classes = new HashMap<>();
            for (String line : histogram.split("\n")) {
                // "   1:         12345         678901  [B (java.base@17)"
                String[] cells = line.trim().split("\\s+");
                if (cells.length >= 4 && cells[0].endsWith(":")) {
                    classes.put(cells[3], new long[] {Long.parseLong(cells[1]), Long.parseLong(cells[2])});
                }
            }
            return classes;
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    public static long count(Map<String, long[]> classes, Class<?> type) {
        return classes.getOrDefault(type.getName(), new long[2])[0];
    }

    public static long bytes(Map<String, long[]> classes) {
        return classes.values().stream().mapToLong(c -> c[1]).sum();
    }

    /** The classes whose live bytes grew most from one histogram to the other. */
    public static String growth(Map<String, long[]> before, Map<String, long[]> after, int top) {
        StringBuilder lines = new StringBuilder();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), new long[] {e.getValue()[0] - before.getOrDefault(e.getKey(), new long[2])[0],
                        e.getValue()[1] - before.getOrDefault(e.getKey(), new long[2])[1]}))
                .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(top)
                .forEach(e -> lines.append(String.format("  %+8d KB %+9d  %s%n", e.getValue()[1] >> 10, e.getValue()[0], e.getKey())));
        return lines.toString();
    }
}
