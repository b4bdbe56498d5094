package caravan.deploy;

import java.io.IOException;
import java.time.Duration;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

/** docker-java clients that speak the API version the engine offers; shared by the hub and the edge agent. */
public final class DockerClients {

    /** The newest API docker-java models; engines from 20.10 (1.41) to 29 (minimum 1.44) accept one of them. */
    private static final RemoteApiVersion NEWEST_KNOWN = RemoteApiVersion.VERSION_1_44;

    private DockerClients() {
    }

    /**
     * A client for the engine at {@code host} using the engine's API version, capped at the newest docker-java knows.
     * Fails with {@link DockerUnavailableException} naming the address, and the {@code setting} it comes from, when the
     * engine does not answer.
     */
    public static DockerClient connect(String host, String setting) {
        try {
            String serverVersion;
            try (DockerClient probe = client(host, RemoteApiVersion.UNKNOWN_VERSION)) {
                serverVersion = probe.versionCmd().exec().getApiVersion();
            }
            RemoteApiVersion version = RemoteApiVersion.parseConfig(serverVersion);
            return client(host, version.isGreater(NEWEST_KNOWN) ? NEWEST_KNOWN : version);
        } catch (RuntimeException | IOException e) {
            throw new DockerUnavailableException(host, setting, e);
        }
    }

    private static DockerClient client(String host, RemoteApiVersion apiVersion) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).withApiVersion(apiVersion).build();
        return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(5))
                .build());
    }
}
