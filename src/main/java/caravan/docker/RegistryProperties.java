package caravan.docker;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The registry provider images are pushed to. Without {@code url} images stay in the local engine.
 *
 * @param url       registry host[:port], e.g. {@code registry.example.com} or {@code 127.0.0.1:5000}
 * @param namespace path under the registry: images are {@code url/namespace/providers/id:version}
 */
@ConfigurationProperties("caravan.registry")
public record RegistryProperties(String url, @DefaultValue("caravan") String namespace, String username, String password) {

    public boolean configured() {
        return url != null && !url.isBlank();
    }

    public boolean hasCredentials() {
        return username != null && !username.isBlank();
    }

    public String imageRepository(String providerId) {
        String path = namespace + "/providers/" + providerId;
        return configured() ? url + "/" + path : path;
    }

    /** Never prints the password: these properties end up in logs and actuator output. */
    @Override
    public String toString() {
        return "RegistryProperties[url=" + url + ", namespace=" + namespace + ", username=" + username
                + ", password=" + (password == null || password.isEmpty() ? "<none>" : "<hidden>") + "]";
    }
}
