package org.nemo.bridge.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker/kubernetes/, read as the API server and kustomize would: every object well-formed,
 * selectors that select the pods, probes on the service's health groups, every Secret,
 * ConfigMap and volume a pod names defined here, settings that exist, and a hardened,
 * resource-bounded, non-root container.
 */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("docker/kubernetes");
    private static final Map<String, String> API_VERSIONS = Map.of("ServiceAccount", "v1", "ConfigMap", "v1", "Secret", "v1",
            "Service", "v1", "StatefulSet", "apps/v1", "Deployment", "apps/v1", "PodDisruptionBudget", "policy/v1");
    private static final String NAME_LABEL = "app.kubernetes.io/name";

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> objects() throws IOException {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (String file : kustomizationResources()) {
            for (Object doc : new Yaml().loadAll(Files.readString(DIR.resolve(file)))) {
                if (doc != null) {
                    objects.add((Map<String, Object>) doc);
                }
            }
        }
        return objects;
    }

    @SuppressWarnings("unchecked")
    private static List<String> kustomizationResources() throws IOException {
        Map<String, Object> kustomization = new Yaml().load(Files.readString(DIR.resolve("kustomization.yaml")));
        return (List<String>) kustomization.get("resources");
    }

    private static List<Map<String, Object>> ofKind(String kind) throws IOException {
        return objects().stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            assertThat(current).as(String.join(".", path)).isInstanceOf(Map.class);
            current = ((Map<String, Object>) current).get(key);
        }
        return (T) current;
    }

    private static Set<String> names(String kind) throws IOException {
        Set<String> names = new TreeSet<>();
        for (Map<String, Object> o : ofKind(kind)) {
            names.add(at(o, "metadata", "name"));
        }
        return names;
    }

    private static Map<String, Object> workload() throws IOException {
        List<Map<String, Object>> workloads = Stream.concat(ofKind("StatefulSet").stream(), ofKind("Deployment").stream()).toList();
        assertThat(workloads).hasSize(1);
        return workloads.get(0);
    }

    private static Map<String, Object> container() throws IOException {
        List<Map<String, Object>> containers = at(workload(), "spec", "template", "spec", "containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    @Test
    void kustomizeAppliesEveryFileAndEveryObjectIsWellFormed() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(f -> !f.equals("kustomization.yaml")))
                    .containsExactlyInAnyOrderElementsOf(kustomizationResources());
        }
        for (Map<String, Object> o : objects()) {
            String kind = (String) o.get("kind");
            assertThat(API_VERSIONS).as("a kind these manifests may hold").containsKey(kind);
            assertThat(o.get("apiVersion")).as(kind).isEqualTo(API_VERSIONS.get(kind));
            String name = at(o, "metadata", "name");
            assertThat(name).as(kind + " name").matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
            assertThat(at(o, "metadata", "labels").toString()).as(kind + " " + name).contains(NAME_LABEL + "=nemo-mqtt-bridge");
        }
    }

    @Test
    void twoReplicasWhoseSelectorsSelectThePods() throws IOException {
        Map<String, Object> workload = workload();
        assertThat((Integer) at(workload, "spec", "replicas")).as("one leader and one standby").isEqualTo(2);
        Map<String, Object> podLabels = at(workload, "spec", "template", "metadata", "labels");
        Map<String, Object> selector = at(workload, "spec", "selector", "matchLabels");
        assertThat(podLabels).containsAllEntriesOf(selector);
        for (Map<String, Object> service : ofKind("Service")) {
            assertThat(podLabels).as(service.toString()).containsAllEntriesOf(at(service, "spec", "selector"));
        }
        List<Map<String, Object>> budgets = ofKind("PodDisruptionBudget");
        assertThat(budgets).hasSize(1);
        assertThat(podLabels).containsAllEntriesOf(at(budgets.get(0), "spec", "selector", "matchLabels"));
        assertThat((Integer) at(budgets.get(0), "spec", "minAvailable")).isEqualTo(1);
        if ("StatefulSet".equals(workload.get("kind"))) {
            String governing = at(workload, "spec", "serviceName");
            Map<String, Object> headless = ofKind("Service").stream()
                    .filter(s -> governing.equals(at(s, "metadata", "name"))).findFirst().orElseThrow();
            assertThat((String) at(headless, "spec", "clusterIP")).isEqualTo("None");
        }
    }

    @Test
    void theProbesHitTheServicesHealthGroupsOnItsPort() throws IOException {
        Map<String, Object> container = container();
        List<Map<String, Object>> ports = at(container, "ports");
        Set<Object> portNames = new TreeSet<>();
        ports.forEach(p -> portNames.add(p.get("name")));
        Set<String> groups = ServiceSettings.healthGroupPaths();
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            String path = at(container, probe, "httpGet", "path");
            assertThat(path).as(probe).isIn(groups);
            assertThat((Object) at(container, probe, "httpGet", "port")).as(probe).isIn(portNames);
        }
        assertThat((String) at(container, "livenessProbe", "httpGet", "path")).as("a broker outage never restarts the pod")
                .isEqualTo("/actuator/health/liveness");
        assertThat((String) at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        assertThat(ports).anyMatch(p -> Integer.valueOf(8080).equals(p.get("containerPort")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everySecretConfigMapAndVolumeThePodNamesIsDefinedAndEverySettingExists() throws IOException {
        Map<String, Object> container = container();
        Map<String, Object> podSpec = at(workload(), "spec", "template", "spec");
        Set<String> settings = ServiceSettings.environmentVariables();
        Set<String> configMaps = names("ConfigMap");
        for (Map<String, Object> from : (List<Map<String, Object>>) container.getOrDefault("envFrom", List.of())) {
            if (from.containsKey("configMapRef")) {
                String name = at(from, "configMapRef", "name");
                assertThat(configMaps).contains(name);
                Map<String, Object> data = at(ofKind("ConfigMap").stream().filter(c -> name.equals(at(c, "metadata", "name"))).findFirst().orElseThrow(), "data");
                data.keySet().forEach(key -> assertThat(key.startsWith("SPRING_") || settings.contains(key)).as(key + " is a setting").isTrue());
            }
            assertThat(from).as("only ConfigMaps in envFrom").containsOnlyKeys("configMapRef");
        }
        for (Map<String, Object> env : (List<Map<String, Object>>) container.get("env")) {
            String name = (String) env.get("name");
            assertThat(name.startsWith("SPRING_") || settings.contains(name)).as(name + " is a setting").isTrue();
            Map<String, Object> secretRef = env.containsKey("valueFrom") ? at(env, "valueFrom", "secretKeyRef") : null;
            if (secretRef != null) {
                Map<String, Object> secret = ofKind("Secret").stream()
                        .filter(s -> secretRef.get("name").equals(at(s, "metadata", "name"))).findFirst().orElseThrow(
                                () -> new AssertionError(name + " reads Secret " + secretRef.get("name") + ", not defined"));
                Map<String, Object> keys = secret.containsKey("stringData") ? at(secret, "stringData") : at(secret, "data");
                assertThat(keys).as(name).containsKey((String) secretRef.get("key"));
            }
        }
        List<Map<String, Object>> volumes = (List<Map<String, Object>>) podSpec.get("volumes");
        Set<Object> volumeNames = new TreeSet<>();
        for (Map<String, Object> volume : volumes) {
            volumeNames.add(volume.get("name"));
            if (volume.containsKey("configMap")) {
                assertThat(configMaps).contains((String) at(volume, "configMap", "name"));
            }
        }
        for (Map<String, Object> mount : (List<Map<String, Object>>) container.get("volumeMounts")) {
            assertThat(volumeNames).contains(mount.get("name"));
        }
        assertThat((String) at(podSpec, "serviceAccountName")).isIn(names("ServiceAccount"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRoutesConfigMapIsTheOverrideDirectory() throws IOException {
        Map<String, Object> settings = at(ofKind("ConfigMap").stream()
                .filter(c -> "nemo-mqtt-bridge-settings".equals(at(c, "metadata", "name"))).findFirst().orElseThrow(), "data");
        String directory = (String) settings.get("BRIDGE_ROUTES_DIRECTORY");
        Map<String, Object> mount = ((List<Map<String, Object>>) container().get("volumeMounts")).stream()
                .filter(m -> directory.equals(m.get("mountPath"))).findFirst().orElseThrow();
        Map<String, Object> volume = ((List<Map<String, Object>>) at(workload(), "spec", "template", "spec", "volumes")).stream()
                .filter(v -> mount.get("name").equals(v.get("name"))).findFirst().orElseThrow();
        assertThat((String) at(volume, "configMap", "name")).isEqualTo("nemo-mqtt-bridge-routes");
    }

    @Test
    void theContainerRunsAsTheImagesNonRootUserWithBoundedResources() throws IOException {
        Map<String, Object> pod = at(workload(), "spec", "template", "spec");
        Map<String, Object> container = container();
        String imageUser = Files.readAllLines(Path.of("docker/Dockerfile")).stream().filter(l -> l.startsWith("USER "))
                .reduce((a, b) -> b).orElseThrow().replaceAll("USER (\\d+).*", "$1");
        assertThat((Boolean) at(pod, "securityContext", "runAsNonRoot")).isTrue();
        assertThat(String.valueOf((Object) at(pod, "securityContext", "runAsUser"))).isEqualTo(imageUser);
        assertThat((String) at(pod, "securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
        assertThat((Boolean) at(pod, "automountServiceAccountToken")).isFalse();
        assertThat((Boolean) at(container, "securityContext", "allowPrivilegeEscalation")).isFalse();
        assertThat((Boolean) at(container, "securityContext", "readOnlyRootFilesystem")).isTrue();
        assertThat((List<String>) at(container, "securityContext", "capabilities", "drop")).containsExactly("ALL");
        // a read-only root needs a writable /tmp for the JVM and Tomcat
        assertThat(container.get("volumeMounts").toString()).contains("mountPath=/tmp");
        assertThat((String) at(container, "resources", "requests", "memory")).isNotBlank();
        assertThat((String) at(container, "resources", "requests", "cpu")).isNotBlank();
        String limit = at(container, "resources", "limits", "memory");
        assertThat(Integer.parseInt(limit.replace("Mi", ""))).as("room for the 128 MB heap's measured 256 MB RSS").isGreaterThan(256);
    }
}
