package caravan.alert;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Alerting on live tracks.
 *
 * @param rulesFile         the YAML file of rules integration engineers edit; re-read when it changes
 * @param webhookUrl        where alerts are POSTed as JSON; no webhook when empty
 * @param webhookRetries    further attempts after a failed POST
 * @param webhookRetryDelay wait before the first retry; doubled for each next one
 * @param silenceCheckInterval how often edges are checked for silence (the rules' {@code edge-silence})
 */
@ConfigurationProperties("caravan.alerts")
public record AlertProperties(
        @DefaultValue("alerts/rules.yaml") Path rulesFile,
        String webhookUrl,
        @DefaultValue("5") int webhookRetries,
        @DefaultValue("1s") Duration webhookRetryDelay,
        @DefaultValue("1s") Duration silenceCheckInterval) {
}
