package org.nemo.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.stereotype.Component;
import org.yaml.snakeyaml.Yaml;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packages form layers without cycles: the wire format at the bottom, then the settings,
 * then the broker connection and the leader election, then the two directions, then the
 * display and the operator's pages. A package uses only those below it — in the Java (read
 * from the compiled classes) and in the route files, where a route of one package that uses
 * another package's endpoint, route, route configuration or bean says so in {@link #ACROSS}.
 */
class PackageLayersTest {

    private static final String ROOT = "org.nemo.bridge";

    private static final Map<String, Set<String>> MAY_USE = Map.of(
            "wire", Set.of(),
            "config", Set.of("wire"),
            "cluster", Set.of("wire", "config"),
            // the MQTT component checks leadership before it publishes
            "mqtt", Set.of("wire", "config", "cluster"),
            "outbound", Set.of("wire", "config", "mqtt", "cluster"),
            "inbound", Set.of("wire", "config", "mqtt", "cluster"),
            "display", Set.of("wire", "config", "mqtt", "cluster"),
            "ops", Set.of("wire", "config", "mqtt", "cluster", "outbound", "inbound", "display"));

    /** The package each route file belongs to. */
    private static final Map<String, String> ROUTE_FILES = Map.ofEntries(
            Map.entry("display.yaml", "display"),
            Map.entry("outbox.yaml", "outbound"),
            Map.entry("plugin-queue.yaml", "outbound"),
            Map.entry("outbound-errors.yaml", "outbound"),
            Map.entry("inbound.yaml", "inbound"),
            Map.entry("inbound-errors.yaml", "inbound"),
            Map.entry("nemo-schedule.yaml", "ops"),
            Map.entry("ops.yaml", "ops"),
            Map.entry("retention.yaml", "ops"),
            // an example to copy: tool events from the broker to a webhook, nothing of ours used
            Map.entry("webhook.yaml", "outbound"));

    /**
     * What a route file uses of a package its own may not use: "file: what (package)". Each is
     * a dependency the Java layers do not show; keep the list short.
     */
    private static final Set<String> ACROSS = Set.of(
            // machine statuses go out on the one publishing connection
            "inbound.yaml: mqtt-batch (outbound)",
            // the outbox doorbell also tells the display pages that NEMO changed something
            "outbox.yaml: seda:display-refresh (display)");

    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
    }

    @Test
    void everyPackageUsesOnlyTheLayersBelowIt() {
        assertThat(production).as("production classes imported").hasSizeGreaterThan(50);
        for (JavaClass c : production) {
            String own = packageOf(c.getPackageName());
            if (own != null) {
                assertThat(MAY_USE).as("package %s has a layer", own).containsKey(own);
            }
        }
        for (Map.Entry<String, Set<String>> layer : MAY_USE.entrySet()) {
            ArchRule rule = noClasses().that().resideInAPackage(ROOT + "." + layer.getKey() + "..")
                    .should().dependOnClassesThat(describe("in a package " + layer.getKey() + " may not use", (JavaClass target) -> {
                        String other = packageOf(target.getPackageName());
                        return other != null && !other.equals(layer.getKey()) && !layer.getValue().contains(other);
                    }))
                    .allowEmptyShould(true);
            rule.check(production);
        }
        ArchRule root = classes().that().resideInAPackage(ROOT).should().haveSimpleName("BridgeApplication")
                .as("the root package holds only BridgeApplication, above every layer");
        root.check(production);
    }

    /** Waiting is Camel's (redelivery, the route controller's back-off) or the MQTT client's, never a sleep of ours. */
    @Test
    void noProductionClassSleeps() {
        noClasses().should().callMethodWhere(target(describe("Thread.sleep or TimeUnit.sleep",
                        t -> t.getName().equals("sleep")
                                && (t.getOwner().isEquivalentTo(Thread.class) || t.getOwner().isEquivalentTo(java.util.concurrent.TimeUnit.class)))))
                .check(production);
    }

    @Test
    void routeFilesUseOtherPackagesOnlyWhereDeclared() throws IOException {
        Map<String, String> beans = beanPackages();
        Map<String, Object> files = new HashMap<>();
        try (Stream<Path> list = Files.list(Path.of("routes"))) {
            for (Path f : list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    files.put(f.getFileName().toString(), new Yaml().load(in));
                }
            }
        }
        assertThat(ROUTE_FILES.keySet()).as("every route file has a package").containsAll(files.keySet());

        // what each file defines: the endpoints its routes consume, its route, template and configuration ids
        Map<String, String> defined = new HashMap<>();
        files.forEach((file, tree) -> walk(tree, null, null, (parent, key, value) -> {
            if (key.equals("id") || key.equals("uri") && "from".equals(parent) && value.matches("(direct|seda):.*")) {
                defined.putIfAbsent(endpointName(value), ROUTE_FILES.get(file));
            }
        }));

        Set<String> found = new TreeSet<>();
        files.forEach((file, tree) -> {
            String own = ROUTE_FILES.get(file);
            walk(tree, null, null, (parent, key, value) -> {
                for (String used : uses(key, value)) {
                    String owner = used.startsWith(ROOT + ".") ? packageOf(used)
                            : beans.containsKey(used) ? beans.get(used) : defined.get(used);
                    if (owner != null && !owner.equals(own) && !MAY_USE.get(own).contains(owner)) {
                        found.add(file + ": " + used + " (" + owner + ")");
                    }
                }
            });
        });
        assertThat(found).as("uses across packages in routes/ (declare them in ACROSS, with why)").isEqualTo(new TreeSet<>(ACROSS));
    }

    /** The names a YAML value refers to: beans, endpoints (direct:, seda:, our components), route and configuration ids, classes. */
    private static List<String> uses(String key, String value) {
        List<String> names = new ArrayList<>();
        switch (key) {
            case "ref", "routePolicy", "routeConfigurationId", "routeTemplateRef", "onRedeliveryRef" -> names.add(value);
            case "uri", "to" -> {
                String uri = value.replaceFirst("^master:[^:]+:", "");
                names.add(uri.matches("(direct|seda):.*") ? endpointName(uri) : uri.replaceFirst(":.*", ""));
            }
            default -> { }
        }
        Matcher m = REFERENCE.matcher(value);
        while (m.find()) {
            names.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return names;
    }

    /** ${bean:name...}, ${bean:type:org.nemo...}, #class:org.nemo..., #name (alone or as a URI option). */
    private static final Pattern REFERENCE = Pattern.compile(
            "\\$\\{bean:(?:type:)?([\\w.]+)|#class:([\\w.]+)|(?:^|=)#(\\w+)");

    private static String endpointName(String uri) {
        return uri.replaceFirst("^master:[^:]+:", "").replaceFirst("\\?.*", "");
    }

    private interface Visitor {
        void visit(String parent, String key, String value);
    }

    /** Every scalar of the tree with its key and the key of the map holding it. */
    private static void walk(Object node, String parent, String key, Visitor visitor) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, key, String.valueOf(k), visitor));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> walk(v, parent, key, visitor));
        } else if (node != null && key != null) {
            visitor.visit(parent, key, node.toString());
        }
    }

    /** Each bean's name (a @Bean method's or a @Component's) and the package of the class that makes it. */
    private static Map<String, String> beanPackages() {
        Map<String, String> beans = new HashMap<>();
        for (JavaClass c : production) {
            for (JavaMethod m : c.getMethods()) {
                m.tryGetAnnotationOfType(Bean.class).ifPresent(b -> {
                    String[] names = b.value().length > 0 ? b.value() : b.name();
                    String name = names.length > 0 ? names[0] : m.getName();
                    beans.put(name, packageOf(c.getPackageName()));
                });
            }
            c.tryGetAnnotationOfType(Component.class).ifPresent(comp -> {
                String name = comp.value().isEmpty()
                        ? Character.toLowerCase(c.getSimpleName().charAt(0)) + c.getSimpleName().substring(1) : comp.value();
                beans.put(name, packageOf(c.getPackageName()));
            });
        }
        return beans;
    }

    /** org.nemo.bridge.inbound.sub.X -> inbound; outside the bridge's packages: null. */
    private static String packageOf(String name) {
        if (!name.startsWith(ROOT + ".")) {
            return null;
        }
        String rest = name.substring(ROOT.length() + 1);
        int dot = rest.indexOf('.');
        return dot < 0 ? (Character.isUpperCase(rest.charAt(0)) ? null : rest) : rest.substring(0, dot);
    }
}
