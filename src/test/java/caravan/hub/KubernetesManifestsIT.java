package caravan.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import caravan.testing.HubVariables;
import caravan.testing.KubernetesManifests;

/**
 * The prod overlay, rendered by Debian's {@code kubectl kustomize} and read into Kubernetes' model, checked against
 * the hub itself: every variable is one the hub reads, its ports are the hub's and the image's, the pod runs as the
 * image's user with a read-only root filesystem and writable volumes where the hub writes (a shared one for what every
 * hub reads), secrets are only referenced and reach the hub as files. That every probe path answers on the running image is {@link HubImageIT}'s.
 */
class KubernetesManifestsIT {

    static KubernetesManifests manifests;

    @BeforeAll
    static void render() throws Exception {
        manifests = KubernetesManifests.render();
    }

    @Test
    void everyObjectIsOfTheModel_inTheHubsNamespace_andNoSecretValueIsShipped() {
        assertThat(manifests.objects()).extracting(object -> object.getClass().getSimpleName())
                .containsExactlyInAnyOrder("Namespace", "ConfigMap", "Service", "Deployment", "HorizontalPodAutoscaler",
                        "Ingress", "PodDisruptionBudget", "PersistentVolumeClaim");
        String namespace = manifests.one(Namespace.class).getMetadata().getName();
        assertThat(manifests.objects()).filteredOn(object -> !(object instanceof Namespace))
                .allSatisfy(object -> assertThat(object.getMetadata().getNamespace()).isEqualTo(namespace));
        assertThat(manifests.objects()).noneMatch(Secret.class::isInstance);
    }

    @Test
    void everyVariableIsOneTheHubReads_andSecretsAreFilesNamedAfterTheirVariable() {
        Set<String> read = HubVariables.read();
        Container hub = manifests.hubContainer();
        Map<String, String> config = manifests.one(ConfigMap.class).getData();
        assertThat(hub.getEnvFrom()).singleElement().satisfies(from ->
                assertThat(from.getConfigMapRef().getName()).isEqualTo(manifests.one(ConfigMap.class).getMetadata().getName()));
        assertThat(Stream.concat(config.keySet().stream(), hub.getEnv().stream().map(EnvVar::getName)))
                .allSatisfy(name -> assertThat(read).as("variables the hub reads").contains(name))
                .noneMatch(name -> name.matches(".*(PASSWORD|KEY|KEYS)"));

        // the Secret's keys are files under the directory the hub reads variables from (configtree), each named
        // after one, and the prod profile's secrets key file
        String secretsDir = "/run/secrets";
        VolumeMount secrets = hub.getVolumeMounts().stream().filter(mount -> mount.getMountPath().equals(secretsDir))
                .findFirst().orElseThrow();
        assertThat(secrets.getReadOnly()).isTrue();
        Volume secretVolume = manifests.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(volume -> volume.getName().equals(secrets.getName())).findFirst().orElseThrow();
        assertThat(secretVolume.getSecret().getItems()).extracting(KeyToPath::getPath)
                .contains("caravan_secrets_key", "CARAVAN_DB_PASSWORD", "CARAVAN_MQTT_PASSWORD", "CARAVAN_API_KEYS")
                .allSatisfy(path -> assertThat(path.equals("caravan_secrets_key") || read.contains(path)).as(path).isTrue());
        assertThat(HubVariables.configuration()).contains("configtree:${CARAVAN_SECRETS_DIR:" + secretsDir + "/}",
                "${CARAVAN_SECRETS_KEY_FILE:" + secretsDir + "/caravan_secrets_key}");
        assertThat(manifests.deployment().getSpec().getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
    }

    @Test
    void portsMatchTheHubTheImageTheServiceAndTheIngress() throws IOException {
        Container hub = manifests.hubContainer();
        assertThat(hub.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getContainerPort().toString())
                    .isEqualTo(manifests.one(ConfigMap.class).getData().get("CARAVAN_HTTP_PORT"));
            assertThat(Files.readAllLines(Path.of("Dockerfile"))).anyMatch(line ->
                    line.matches("EXPOSE .*\\b" + port.getContainerPort() + "\\b.*"));
        });
        for (Probe probe : List.of(hub.getStartupProbe(), hub.getLivenessProbe(), hub.getReadinessProbe())) {
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
        }
        Service service = manifests.one(Service.class);
        assertThat(service.getSpec().getSelector()).isEqualTo(manifests.deployment().getSpec().getSelector().getMatchLabels());
        assertThat(manifests.deployment().getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(port -> assertThat(port.getTargetPort().getStrVal()).isEqualTo("http"));
        Ingress ingress = manifests.one(Ingress.class);
        assertThat(ingress.getSpec().getTls()).isNotEmpty();
        assertThat(ingress.getSpec().getRules()).allSatisfy(rule -> {
            assertThat(ingress.getSpec().getTls().get(0).getHosts()).contains(rule.getHost());
            IngressBackend backend = rule.getHttp().getPaths().get(0).getBackend();
            assertThat(backend.getService().getName()).isEqualTo(service.getMetadata().getName());
            assertThat(backend.getService().getPort().getName()).isEqualTo(service.getSpec().getPorts().get(0).getName());
        });
    }

    @Test
    void theDeploymentIsHighlyAvailable_nonRoot_readOnly_andScaledOnCpu() throws IOException {
        Deployment deployment = manifests.deployment();
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container hub = manifests.hubContainer();
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
                .singleElement().satisfies(term -> {
                    assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                            .containsAllEntriesOf(term.getPodAffinityTerm().getLabelSelector().getMatchLabels());
                });
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(hub.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(hub.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(hub.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(hub.getResources().getLimits()).containsKey("memory");
        assertThat(hub.getStartupProbe()).isNotNull();
        assertThat(hub.getLivenessProbe()).isNotNull();
        assertThat(hub.getReadinessProbe()).isNotNull();
        // the hub's own shutdown (20 s of requests, then up to 30 s of routes) and the preStop pause fit the grace
        assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(55L);

        // with a read-only root, the hub writes only to volumes: its data directory (the image's) and /tmp
        Matcher imageDataDir = Pattern.compile("CARAVAN_DATA_DIR=(\\S+)").matcher(Files.readString(Path.of("Dockerfile")));
        assertThat(imageDataDir.find()).isTrue();
        String dataDir = manifests.one(ConfigMap.class).getData().getOrDefault("CARAVAN_DATA_DIR", imageDataDir.group(1));
        String sharedDir = dataDir + "/shared";
        assertThat(hub.getVolumeMounts()).filteredOn(mount -> !Boolean.TRUE.equals(mount.getReadOnly()))
                .extracting(mount -> mount.getMountPath()).containsExactlyInAnyOrder(dataDir, "/tmp", sharedDir);
        // what every hub must read whichever stored it is on the volume they share
        Map<String, String> config = manifests.one(ConfigMap.class).getData();
        assertThat(config.get("CARAVAN_MODEL_STORE")).startsWith(sharedDir + "/");
        assertThat(config.get("CARAVAN_CAPTURES_DIR")).startsWith(sharedDir + "/");
        assertThat(config.get("CARAVAN_PROVIDER_WORK_DIR")).startsWith(sharedDir + "/");
        assertThat(config.get("CARAVAN_PROVIDER_REJECTED_DIR")).startsWith(sharedDir + "/");
        VolumeMount shared = hub.getVolumeMounts().stream().filter(mount -> mount.getMountPath().equals(sharedDir))
                .findFirst().orElseThrow();
        String claim = pod.getVolumes().stream().filter(volume -> volume.getName().equals(shared.getName()))
                .findFirst().orElseThrow().getPersistentVolumeClaim().getClaimName();
        PersistentVolumeClaim sharedClaim = manifests.one(PersistentVolumeClaim.class);
        assertThat(sharedClaim.getMetadata().getName()).isEqualTo(claim);
        assertThat(sharedClaim.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        Set<String> volumes = new HashSet<>(pod.getVolumes().stream().map(Volume::getName).toList());
        assertThat(hub.getVolumeMounts()).allSatisfy(mount -> assertThat(volumes).contains(mount.getName()));

        HorizontalPodAutoscaler autoscaler = manifests.one(HorizontalPodAutoscaler.class);
        assertThat(autoscaler.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(autoscaler.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(autoscaler.getSpec().getMetrics()).anySatisfy(metric ->
                assertThat(metric.getResource().getName()).isEqualTo("cpu"));
        PodDisruptionBudget budget = manifests.one(PodDisruptionBudget.class);
        assertThat(budget.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
    }
}
