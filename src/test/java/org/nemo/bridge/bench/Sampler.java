package org.nemo.bridge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * RSS and CPU of the process under test, from /proc: VmRSS sampled every 100 ms (the peak of a
 * phase is reported), utime + stime of /proc/{pid}/stat over the phase's wall time.
 */
final class Sampler {

    /** Clock ticks per second of /proc/{pid}/stat; USER_HZ is 100 on every Linux we run on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long pid;
    private final AtomicLong phaseRssMaxKb = new AtomicLong();
    private final AtomicLong overallRssMaxKb = new AtomicLong();
    private long phaseTicks;
    private long phaseStartNanos;

    Sampler(long pid) {
        this.pid = pid;
        Thread thread = new Thread(() -> {
            while (true) {
                long kb = rssKb();
                phaseRssMaxKb.accumulateAndGet(kb, Math::max);
                overallRssMaxKb.accumulateAndGet(kb, Math::max);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    void begin() {
        phaseRssMaxKb.set(rssKb());
        phaseTicks = cpuTicks();
        phaseStartNanos = System.nanoTime();
    }

    /** cpuPercent is of one core: 200 means both cores of a 2-core machine. */
    Map<String, Object> end() {
        double seconds = (System.nanoTime() - phaseStartNanos) / 1e9;
        double cpuSeconds = (cpuTicks() - phaseTicks) / TICKS_PER_SECOND;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpuPercent", Math.round(1000.0 * cpuSeconds / seconds) / 10.0);
        m.put("cpuSeconds", cpuSeconds);
        m.put("rssMaxMb", Math.round(phaseRssMaxKb.get() / 102.4) / 10.0);
        m.put("rssEndMb", Math.round(rssKb() / 102.4) / 10.0);
        return m;
    }

    double rssMaxOverallMb() {
        return Math.round(overallRssMaxKb.get() / 102.4) / 10.0;
    }

    private long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process is gone
        }
        return 0;
    }

    private long cpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // fields after the command name (which may hold spaces) start at field 3; utime, stime are 14, 15
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
