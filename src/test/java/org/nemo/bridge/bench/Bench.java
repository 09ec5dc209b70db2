package org.nemo.bridge.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.nemo.bridge.config.ClasspathText;
import org.nemo.bridge.config.NemoTriggers;
import org.nemo.bridge.config.ServiceJvm;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The performance benchmark (issue 7, docs/BENCHMARKS.md). Starts an embedded PostgreSQL and a
 * private Mosquitto, then for each subject — the hand-written {@link BaselineLoop} and the real
 * service — a fresh database, the subject as its own JVM (so that its RSS and CPU are its own),
 * and the same workload: events through the NEMO usage triggers, {@code mqtt_bridge.enqueue} and
 * the plugin's queue table, at a steady 100/s and 1,000/s, as fast as the producers go, and a
 * 100,000-row backlog committed at once. Writes target/bench/results.json and results.md.
 * Run with bench/run.sh, never as part of the test suite.
 */
public final class Bench {

    private static final boolean STATEMENTS = Boolean.getBoolean("bench.statements");

    /** -Dbench.durable=true: PostgreSQL as labs run it, every commit flushed to disk (BENCH_DURABLE=1 ./bench/run.sh). */
    private static final boolean DURABLE = Boolean.getBoolean("bench.durable");

    /** The settings that make PostgreSQL durable, as read back from the server and recorded with the results. */
    private static final List<String> DURABILITY = List.of("fsync", "synchronous_commit", "full_page_writes");

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = Integer.getInteger("bench.seconds", 10);
        int backlog = Integer.getInteger("bench.backlog", 100_000);
        List<String> subjects = Arrays.asList(System.getProperty("bench.subjects", "baseline,bridge").split(","));
        // the JVM flags docker/Dockerfile and the systemd unit ship
        String jvmOptions = System.getProperty("bench.jvm", ClasspathText.read(ServiceJvm.OPTIONS).strip());
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Machine.describe());
        report.put("subjectJvmOptions", jvmOptions);
        report.put("phaseSeconds", seconds);
        report.put("backlogRows", backlog);
        Map<String, Object> server = new LinkedHashMap<>();
        report.put("postgres", server);
        Map<String, Object> results = new LinkedHashMap<>();
        report.put("results", results);

        // an interrupted run leaves no subject, broker or database behind
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy)));
        EmbeddedPostgres.Builder pg = EmbeddedPostgres.builder();
        // -Dbench.statements=true: where PostgreSQL spent its time, per subject (target/bench/<subject>-statements.txt)
        if (STATEMENTS) {
            pg.setServerConfig("shared_preload_libraries", "pg_stat_statements");
        }
        if (DURABLE) {
            // zonky starts the server with -F (fsync off) and synchronous_commit off; a later -c wins
            DURABILITY.forEach(setting -> pg.setServerConfig(setting, "on"));
        }
        // on the project's disk: a /tmp held in memory would make fsync free
        pg.setDataDirectory(Files.createTempDirectory(out.toAbsolutePath(), "postgres-"));
        try (EmbeddedPostgres postgres = pg.start();
             // -Dbench.broker-nodelay=false measures Mosquitto's default (Nagle on its acknowledgements)
             MosquittoBroker broker = new MosquittoBroker(Boolean.parseBoolean(System.getProperty("bench.broker-nodelay", "true"))
                     ? "" : "set_tcp_nodelay false")) {
            server.put("mode", DURABLE ? "durable" : "fast");
            server.putAll(settings(postgres, DURABILITY));
            System.out.printf("PostgreSQL %s: %s%n", server.get("mode"), server);
            if (DURABLE && DURABILITY.stream().anyMatch(setting -> !"on".equals(server.get(setting)))) {
                throw new IllegalStateException("PostgreSQL did not start durable: " + server);
            }
            for (String subject : subjects) {
                System.out.printf("== %s (load %s)%n", subject, Machine.loadAverage());
                results.put(subject, runSubject(subject.trim(), postgres, broker, jvmOptions, seconds, backlog, out));
                Files.writeString(out.resolve("results.json"), JSON.writeValueAsString(report));
            }
        }
        String table = Report.markdown(report);
        Files.writeString(out.resolve("results.md"), table);
        System.out.println(table);
        System.exit(0);
    }

    private static Map<String, Object> runSubject(String subject, EmbeddedPostgres postgres, MosquittoBroker broker,
                                                  String jvmOptions, int seconds, int backlog, Path out) throws Exception {
        String url = freshDatabase(postgres, "bench_" + subject);
        DataSource dataSource = TestDatabase.dataSource(url);
        NemoLab lab = new NemoLab(dataSource);
        List<Integer> tools = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            tools.add(lab.tool("Bench tool " + i));
        }
        List<Integer> users = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            users.add(lab.user("Bench", "User" + i));
        }

        Map<String, Object> result = new LinkedHashMap<>();
        try (Recorder recorder = new Recorder(broker.url());
             Subject process = Subject.start(subject, url, broker.url(), jvmOptions, out)) {
            Load load = new Load(url, tools, users, recorder);
            long readyMillis = load.awaitReady(process, 180);
            result.put("startToFirstEventMs", readyMillis);
            Sampler sampler = new Sampler(process.pid());
            // a service runs for days: let the JIT compile the hot paths before anything is measured
            load.steady(500, Integer.getInteger("bench.warmup", 15), 4, sampler);
            List<String> phases = Arrays.asList(System.getProperty("bench.phases", "steady100,steady1000,maxThroughput,backlog").split(","));
            if (phases.contains("steady100")) {
                result.put("steady100", load.steady(100, seconds, 2, sampler));
            }
            if (phases.contains("steady1000")) {
                result.put("steady1000", load.steady(1_000, seconds, 4, sampler));
            }
            if (phases.contains("maxThroughput")) {
                result.put("maxThroughput", load.flood(seconds, 4, 100, sampler));
            }
            if (phases.contains("backlog")) {
                result.put("backlog", load.backlog(backlog, sampler));
            }
            result.put("rssMaxMb", sampler.rssMaxOverallMb());
            if (STATEMENTS) {
                Files.writeString(out.resolve(subject + "-statements.txt"), topStatements(dataSource));
            }
            load.close();
        }
        return result;
    }

    /** The server's settings as it reports them ({@code SHOW}), not as they were asked for. */
    private static Map<String, Object> settings(EmbeddedPostgres postgres, List<String> names) throws SQLException {
        Map<String, Object> settings = new LinkedHashMap<>();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            for (String name : names) {
                try (ResultSet rs = s.executeQuery("SHOW " + name)) {
                    rs.next();
                    settings.put(name, rs.getString(1));
                }
            }
        }
        return settings;
    }

    /** The statements that took PostgreSQL the most time in this subject's database. */
    private static String topStatements(DataSource dataSource) {
        StringBuilder text = new StringBuilder("total ms | calls | rows | mean ms | statement\n");
        new JdbcTemplate(dataSource).query("SELECT round(total_exec_time) AS total, calls, rows, round(mean_exec_time::numeric, 3) AS mean, "
                + "regexp_replace(query, '\\s+', ' ', 'g') AS query FROM pg_stat_statements "
                + "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 20",
                rs -> {
                    text.append(rs.getLong("total")).append(" | ").append(rs.getLong("calls")).append(" | ").append(rs.getLong("rows"))
                            .append(" | ").append(rs.getBigDecimal("mean")).append(" | ")
                            .append(rs.getString("query"), 0, Math.min(300, rs.getString("query").length())).append('\n');
                });
        return text.toString();
    }

    private static String freshDatabase(EmbeddedPostgres postgres, String name) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name);
        }
        String url = postgres.getJdbcUrl("postgres", name);
        DataSource dataSource = TestDatabase.dataSource(url);
        TestDatabase.nemoTables(dataSource);
        if (STATEMENTS) {
            new JdbcTemplate(dataSource).execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }
        TestDatabase.pluginTables(dataSource);
        // the bridge's schema, migrated here so that the baseline finds the same outbox,
        // enqueue() and triggers; the bridge's own Flyway then finds nothing left to do
        Flyway.configure().dataSource(dataSource).schemas("mqtt_bridge").createSchemas(true)
                .locations("classpath:db/migration").callbacks(new NemoTriggers())
                .placeholders(Map.of("nemo_schema", "public", "nemo_triggers", "true", "plugin_queue", "on",
                        "nemo_events_interlock", "true", "nemo_events_tools", "true", "nemo_events_reservations", "true",
                        "nemo_events_areas", "true", "nemo_events_area_access", "true", "nemo_reservation_horizon", "24h"))
                .load().migrate();
        return url;
    }

    /** The machine the figures belong to. */
    static final class Machine {

        static Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nproc", Runtime.getRuntime().availableProcessors());
            m.put("memTotal", firstLine("/proc/meminfo", "MemTotal:"));
            m.put("cpu", firstLine("/proc/cpuinfo", "model name"));
            m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
            m.put("loadAtStart", loadAverage());
            return m;
        }

        static String loadAverage() {
            try {
                return Files.readString(Path.of("/proc/loadavg")).trim();
            } catch (IOException e) {
                return "unknown";
            }
        }

        private static String firstLine(String file, String prefix) {
            try {
                return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(prefix))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
            } catch (IOException e) {
                return "unknown";
            }
        }
    }

    /** The process under test, in its own JVM. */
    static final class Subject implements AutoCloseable {

        private final Process process;

        private Subject(Process process) {
            this.process = process;
        }

        static Subject start(String subject, String jdbcUrl, String brokerUrl, String jvmOptions, Path out) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>();
            command.add(java);
            command.addAll(Arrays.asList(jvmOptions.trim().split("\\s+")));
            command.add("-cp");
            if ("baseline".equals(subject)) {
                command.add(System.getProperty("java.class.path"));
                command.add(BaselineLoop.class.getName());
                command.add(jdbcUrl);
                command.add(brokerUrl);
            } else {
                // the service as it ships: its own classes and runtime dependencies, no test classes;
                // "before" is an earlier revision built by bench/run.sh (BENCH_BEFORE=<git rev>)
                Path tree = "before".equals(subject) ? Path.of(System.getProperty("bench.before.dir", "target/bench-before/tree"))
                        : Path.of("");
                command.add(Files.readString(Path.of("target", "bench-runtime.classpath")).trim()
                        + File.pathSeparator + tree.resolve("target/classes").toAbsolutePath());
                command.add("org.nemo.bridge.BridgeApplication");
                command.addAll(List.of("--spring.datasource.url=" + jdbcUrl, "--spring.datasource.username=postgres",
                        "--bridge.mqtt.broker-url=" + brokerUrl, "--server.port=0", "--bridge.nemo.triggers=true",
                        "--bridge.plugin.queue=on", "--bridge.routes.reload=false", "--bridge.admin.password=bench",
                        "--bridge.routes.directory=" + tree.resolve("routes").toAbsolutePath()));
            }
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(out.resolve(subject + ".log").toAbsolutePath().toFile());
            if ("before".equals(subject)) {
                // its own application.yaml (read from the working directory), not this revision's
                builder.directory(Path.of(System.getProperty("bench.before.dir", "target/bench-before/tree")).toAbsolutePath().toFile());
            }
            Process process = builder.start();
            return new Subject(process);
        }

        long pid() {
            return process.pid();
        }

        boolean alive() {
            return process.isAlive();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
