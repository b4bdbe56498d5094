package caravan.docker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

/**
 * The digest a registry serves for an image reference, asked over the registry's HTTP API (a manifest HEAD), so that
 * what is deployed is what was approved. Written here: docker-java needs an engine to ask, and no maintained Java
 * library does this one request. Registries on a loopback address are spoken to over HTTP, as Docker does.
 */
@Component
public class RegistryDigests {

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final String MANIFESTS = String.join(", ",
            "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    private final RegistryProperties registry;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public RegistryDigests(RegistryProperties registry) {
        this.registry = registry;
    }

    /**
     * The digest of {@code image}: the one it names, or what its registry serves for its tag (with the configured
     * credentials when it is the configured registry). Fails naming the image and what the registry said.
     */
    public String resolve(String image) {
        int at = image.indexOf('@');
        if (at >= 0) {
            String digest = image.substring(at + 1);
            if (!DIGEST.matcher(digest).matches()) {
                throw new DigestUnavailableException(image, "'" + digest + "' is not a sha256 digest");
            }
            return digest;
        }
        int slash = image.indexOf('/');
        String first = slash < 0 ? "" : image.substring(0, slash);
        if (!(first.contains(".") || first.contains(":") || first.equals("localhost"))) {
            throw new DigestUnavailableException(image, "no registry host in it (Docker Hub is not reachable from "
                    + "here); name the registry, e.g. registry.example.com/" + image);
        }
        String named = image.substring(slash + 1);
        int colon = named.lastIndexOf(':');
        String path = colon < 0 ? named : named.substring(0, colon);
        String tag = colon < 0 ? "latest" : named.substring(colon + 1);
        String host = first;
        URI manifest = URI.create((loopback(host) ? "http" : "https") + "://" + host + "/v2/" + path + "/manifests/"
                + tag);
        HttpRequest.Builder request = HttpRequest.newBuilder(manifest).timeout(Duration.ofSeconds(30))
                .header("Accept", MANIFESTS).method("HEAD", HttpRequest.BodyPublishers.noBody());
        if (registry.hasCredentials() && host.equals(registry.url())) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (registry.username() + ":" + registry.password()).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<Void> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new DigestUnavailableException(image, "registry " + host + " not reachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DigestUnavailableException(image, "interrupted");
        }
        if (response.statusCode() != 200) {
            throw new DigestUnavailableException(image, "registry " + host + " answered " + response.statusCode()
                    + (response.statusCode() == 404 ? " (no such image or tag)"
                            : response.statusCode() == 401 ? " (credentials refused or missing)" : ""));
        }
        return response.headers().firstValue("Docker-Content-Digest").orElseThrow(() ->
                new DigestUnavailableException(image, "registry " + host + " sent no Docker-Content-Digest"));
    }

    private static boolean loopback(String host) {
        String name = host.startsWith("[") ? host.substring(1, host.indexOf(']')) : host.split(":")[0];
        try {
            return name.equals("localhost") || InetAddress.getByName(name).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The image's digest could not be learned: which image, and why. */
    public static class DigestUnavailableException extends RuntimeException {

        public DigestUnavailableException(String image, String reason) {
            super("cannot pin " + image + " to a digest: " + reason);
        }
    }
}
