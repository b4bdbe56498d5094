package caravan.security;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may use the hub's HTTP side.
 *
 * @param apiKeys             bootstrap admin keys ({@code CARAVAN_API_KEYS}, comma-separated, the reference's
 *                            {@code API_KEYS}); when none are set and no admin key is stored, the hub makes one on
 *                            first start and writes it to {@code adminKeyFile}
 * @param adminKeyFile        where that first admin key is written (mode 0600)
 * @param failedAttempts      failed authentications from one address within {@code failedAttemptsWindow} before
 *                            it is answered 429 until the window has passed
 * @param failedAttemptsWindow see {@code failedAttempts}
 */
@ConfigurationProperties("caravan.security")
public record SecurityProperties(
        @DefaultValue List<String> apiKeys,
        Path adminKeyFile,
        @DefaultValue("10") int failedAttempts,
        @DefaultValue("5m") Duration failedAttemptsWindow) {
}
