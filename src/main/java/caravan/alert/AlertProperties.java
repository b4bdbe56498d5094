package caravan.alert;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Alerting on live tracks.
 *
 * @param rulesFile the YAML file of rules integration engineers edit; re-read when it changes
 */
@ConfigurationProperties("caravan.alerts")
public record AlertProperties(@DefaultValue("alerts/rules.yaml") Path rulesFile) {
}
