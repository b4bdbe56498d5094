package caravan.secrets;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The key that encrypts credentials at rest (SSH private keys and passwords of agentless edges).
 *
 * @param key     base64 of 32 random bytes (e.g. {@code openssl rand -base64 32}); production sets this
 * @param keyFile where a key is generated and kept when {@code key} is not set, so the embedded run works as is
 */
@ConfigurationProperties("caravan.secrets")
public record SecretsProperties(String key, @DefaultValue("caravan-data/secrets.key") Path keyFile) {
}
