package caravan.secrets;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The key that encrypts credentials at rest (SSH credentials and edge credentials, the hub's signing key).
 *
 * @param key      base64 of 32 random bytes (e.g. {@code openssl rand -base64 32}); production sets this
 * @param keyFile  where the key is read from when {@code key} is not set (a mounted secret), and, unless
 *                 {@code required}, generated when missing, so the embedded run works as is
 * @param required the key must be given ({@code key}, or a {@code keyFile} that exists): a key generated beside
 *                 the data it protects protects nothing; the {@code prod} profile sets this
 */
@ConfigurationProperties("caravan.secrets")
public record SecretsProperties(String key, @DefaultValue("caravan-data/secrets.key") Path keyFile, boolean required) {
}
