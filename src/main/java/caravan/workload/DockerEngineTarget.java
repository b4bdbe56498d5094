package caravan.workload;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

import caravan.deploy.AgentCommand.RegistryAuth;
import caravan.deploy.ContainerRuntime;
import caravan.deploy.ContainerRuntime.ContainerSpec;
import caravan.deploy.ContainerRuntime.ContainerState;
import caravan.deploy.ContainerRuntime.ExecResult;
import caravan.deploy.DockerClients;
import caravan.deploy.EngineApiRuntime;
import caravan.deploy.WorkloadContainers;
import caravan.workload.WorkloadProperties.CloudTargetProperties;

/**
 * A cloud VM's Docker engine over TCP with mutual TLS: its certificate must be signed by the target's CA, and the hub
 * shows its own client certificate. The engine API runtime the edge agent uses, with that TLS.
 */
class DockerEngineTarget implements WorkloadTarget.CloudTarget {

    private final String name;
    private final String publicAddress;
    private final ContainerRuntime engine;

    DockerEngineTarget(String name, CloudTargetProperties target, Duration pullTimeout) {
        this.name = name;
        this.publicAddress = target.publicAddress();
        String setting = "caravan.workloads.cloud-targets." + name + ".docker-host";
        this.engine = new EngineApiRuntime(() -> DockerClients.connect(target.dockerHost(), mutualTls(target), setting),
                pullTimeout, null);
    }

    /** Spring's PEM loading: the client certificate and key as the key store, the CA as the trust store. */
    private static SSLContext mutualTls(CloudTargetProperties target) {
        return SslBundle.of(new PemSslStoreBundle(
                PemSslStoreDetails.forCertificate("file:" + target.certificate().toAbsolutePath())
                        .withPrivateKey("file:" + target.privateKey().toAbsolutePath()),
                PemSslStoreDetails.forCertificate("file:" + target.ca().toAbsolutePath()))).createSslContext();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void checkCapacity(ContainerSpec spec) {
        WorkloadContainers.checkCapacity(engine, spec, "cloud target " + name);
    }

    @Override
    public void pull(String image, RegistryAuth auth) throws InterruptedException {
        engine.pull(image, auth);
    }

    @Override
    public String replace(ContainerSpec spec) {
        return WorkloadContainers.replace(engine, spec, "cloud target " + name);
    }

    @Override
    public Optional<ContainerState> state(String container) {
        return engine.state(container);
    }

    @Override
    public void stop(String container) {
        engine.stop(container);
    }

    @Override
    public void start(String container) {
        engine.start(container);
    }

    @Override
    public void restart(String container) {
        engine.restart(container);
    }

    @Override
    public void remove(String container) {
        engine.remove(container);
    }

    @Override
    public ExecResult exec(String container, List<String> command, Duration timeout) throws InterruptedException {
        return engine.exec(container, command, timeout);
    }

    @Override
    public String logs(String container, int tail) throws InterruptedException {
        return engine.logs(container, tail);
    }

    @Override
    public Map<String, Object> stats(String container) throws InterruptedException {
        return engine.stats(container);
    }

    @Override
    public String address(int port) {
        return publicAddress + ":" + port;
    }
}
