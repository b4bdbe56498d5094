package caravan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** {@code deploy/k8s/overlays/prod} as Debian's kubectl renders it, read into Kubernetes' object model. */
public record KubernetesManifests(List<HasMetadata> objects) {

    public static final String OVERLAY = "deploy/k8s/overlays/prod";

    public static KubernetesManifests render() throws Exception {
        Services.CommandResult rendered = Services.run(Services.get("CARAVAN_TEST_KUBECTL"), "kustomize", OVERLAY);
        assertThat(rendered.exitCode()).as(rendered.output()).isZero();
        KubernetesSerialization serialization = new KubernetesSerialization();
        return new KubernetesManifests(Arrays.stream(rendered.output().split("(?m)^---$"))
                .filter(document -> !document.isBlank())
                .map(document -> (HasMetadata) serialization.unmarshal(document, HasMetadata.class)).toList());
    }

    /** The only object of {@code type}. */
    public <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as("%s objects", type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    public Deployment deployment() {
        return one(Deployment.class);
    }

    public Container hubContainer() {
        List<Container> containers = deployment().getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }
}
