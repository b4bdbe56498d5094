package caravan.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The environment variables the hub reads: what deployment files may set. */
public final class HubVariables {

    /** Read by Spring Boot and by docker-java's default configuration rather than by application.yaml. */
    static final Set<String> READ_BEYOND_PLACEHOLDERS = Set.of("SPRING_PROFILES_ACTIVE",
            "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH");

    private HubVariables() {
    }

    /** Every {@code ${VARIABLE…}} of the hub's configuration, and those read beyond it. */
    public static Set<String> read() {
        Set<String> read = new HashSet<>(READ_BEYOND_PLACEHOLDERS);
        Matcher placeholder = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]").matcher(configuration());
        while (placeholder.find()) {
            read.add(placeholder.group(1));
        }
        return read;
    }

    /** The hub's application.yaml and its prod profile's, as they ship in its jar. */
    public static String configuration() {
        StringBuilder text = new StringBuilder();
        for (String configuration : List.of("application.yaml", "application-prod.yaml")) {
            try (InputStream yaml = HubVariables.class.getClassLoader().getResourceAsStream(configuration)) {
                text.append(new String(Objects.requireNonNull(yaml).readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return text.toString();
    }
}
