package caravan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.web.client.RestTemplateCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;

/**
 * The integration tests' {@code TestRestTemplate} acts as an admin: it presents the hub's admin key (the bootstrap
 * key of {@code caravan.security.api-keys}, else the one the hub wrote on first start) unless the request brings
 * credentials of its own. Registered for the test classpath in META-INF/spring/…AutoConfiguration.imports.
 */
@AutoConfiguration
public class HubAdminKey {

    @Bean
    RestTemplateCustomizer presentTheHubsAdminKey(Environment environment) {
        return restTemplate -> restTemplate.getInterceptors().add((request, body, execution) -> {
            HttpHeaders headers = request.getHeaders();
            if (!headers.containsKey(Services.API_KEY_HEADER) && !headers.containsKey(HttpHeaders.AUTHORIZATION)
                    && !headers.containsKey(HttpHeaders.COOKIE)) {
                headers.set(Services.API_KEY_HEADER, of(environment));
            }
            return execution.execute(request, body);
        });
    }

    /** The key, read when a request is made: the hub writes its first-start key while it starts. */
    static String of(Environment environment) {
        String configured = environment.getProperty("caravan.security.api-keys", "");
        if (!configured.isBlank()) {
            return configured.split(",")[0].trim();
        }
        try {
            return Files.readString(Path.of(environment.getRequiredProperty("caravan.security.admin-key-file"))).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("the hub under test has no admin key file", e);
        }
    }
}
