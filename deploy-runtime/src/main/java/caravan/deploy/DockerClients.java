package caravan.deploy;

import java.io.IOException;
import java.time.Duration;

import javax.net.ssl.SSLContext;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.SSLConfig;

/** docker-java clients that speak the API version the engine offers; shared by the hub and the edge agent. */
public final class DockerClients {

    /** The newest API docker-java models; engines from 20.10 (1.41) to 29 (minimum 1.44) accept one of them. */
    private static final RemoteApiVersion NEWEST_KNOWN = RemoteApiVersion.VERSION_1_44;
    /** Longest a remote engine may stay silent within one answer; pulls stream progress well within it. */
    private static final Duration REMOTE_RESPONSE_TIMEOUT = Duration.ofMinutes(2);

    private DockerClients() {
    }

    /**
     * A client for the engine at {@code host} using the engine's API version, capped at the newest docker-java knows.
     * Fails with {@link DockerUnavailableException} naming the address, and the {@code setting} it comes from, when the
     * engine does not answer.
     */
    public static DockerClient connect(String host, String setting) {
        return connect(host, null, setting);
    }

    /**
     * As {@link #connect(String, String)}, over TLS with {@code tls} (a {@code tcp://} host): the engine's certificate
     * verified and, for an engine that asks for one, the client's certificate presented.
     */
    public static DockerClient connect(String host, SSLContext tls, String setting) {
        SSLConfig ssl = tls == null ? null : () -> tls;
        try {
            String serverVersion;
            try (DockerClient probe = client(host, ssl, RemoteApiVersion.UNKNOWN_VERSION)) {
                serverVersion = probe.versionCmd().exec().getApiVersion();
            }
            RemoteApiVersion version = RemoteApiVersion.parseConfig(serverVersion);
            return client(host, ssl, version.isGreater(NEWEST_KNOWN) ? NEWEST_KNOWN : version);
        } catch (RuntimeException | IOException e) {
            throw new DockerUnavailableException(host, setting, e);
        }
    }

    private static DockerClient client(String host, SSLConfig ssl, RemoteApiVersion apiVersion) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).withApiVersion(apiVersion).build();
        ApacheDockerHttpClient.Builder http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(ssl != null ? ssl : config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(5));
        if (ssl != null) {
            // Over TLS the connect timeout would stay the socket's read timeout, and a stop waits up to 10 s.
            http.responseTimeout(REMOTE_RESPONSE_TIMEOUT);
        }
        return DockerClientImpl.getInstance(config, http.build());
    }
}
