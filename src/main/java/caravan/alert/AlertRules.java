package caravan.alert;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The rules file, read again whenever it changes; while there is no such file, the rules the hub ships in its jar
 * ({@code classpath:alerts/rules.yaml}). A file with problems is refused as a whole, the log names every problem,
 * and the rules read before stay in force.
 */
@Component
public class AlertRules {

    private static final Logger LOG = LoggerFactory.getLogger(AlertRules.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    record RulesFile(List<AlertRule> rules) {
    }

    static final String SHIPPED = "alerts/rules.yaml";
    /** The version of the shipped rules: they never change while the hub runs. */
    private static final FileTime SHIPPED_VERSION = FileTime.fromMillis(0);

    private final AlertProperties properties;
    /** Rules are checked for every track; the file is looked at no more often than this. */
    static final long CHECK_INTERVAL_MILLIS = 1000;

    private volatile List<AlertRule> rules = List.of();
    private FileTime loadedVersion;
    private volatile long checkedAt;

    public AlertRules(AlertProperties properties) {
        this.properties = properties;
        reloadIfChanged(System.currentTimeMillis());
    }

    /** The rules in force, after reading the file again if it changed (looked at once a second at most). */
    public List<AlertRule> current() {
        long now = System.currentTimeMillis();
        if (now - checkedAt < CHECK_INTERVAL_MILLIS) {
            return rules;
        }
        return reloadIfChanged(now);
    }

    private synchronized List<AlertRule> reloadIfChanged(long now) {
        if (now - checkedAt < CHECK_INTERVAL_MILLIS) {
            return rules;
        }
        checkedAt = now;
        FileTime version = modified();
        if (version.equals(loadedVersion)) {
            return rules;
        }
        loadedVersion = version;
        String source = version == SHIPPED_VERSION ? "the hub's own " + SHIPPED : properties.rulesFile().toString();
        try (InputStream in = version == SHIPPED_VERSION ? AlertRules.class.getClassLoader().getResourceAsStream(SHIPPED)
                : Files.newInputStream(properties.rulesFile())) {
            RulesFile file = YAML.readValue(in, RulesFile.class);
            List<AlertRule> read = file == null || file.rules() == null ? List.of() : file.rules();
            List<String> problems = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < read.size(); i++) {
                AlertRule rule = read.get(i);
                String where = "rule " + (rule.id() == null ? "#" + (i + 1) : rule.id());
                problems.addAll(rule.problems(where));
                if (rule.id() != null && !ids.add(rule.id())) {
                    problems.add(where + ": id is used twice");
                }
            }
            if (!problems.isEmpty()) {
                LOG.error("Alert rules in {} refused, the previous {} rules stay in force: {}", source, rules.size(),
                        problems);
                return rules;
            }
            rules = List.copyOf(read);
            LOG.info("Alert rules: {} loaded from {}", rules.size(), source);
        } catch (IOException e) {
            LOG.error("Alert rules in {} refused, the previous {} rules stay in force: {}", source, rules.size(),
                    e.getMessage());
        }
        return rules;
    }

    /** The rules file's version, or the shipped rules' while there is no file. */
    private FileTime modified() {
        try {
            return Files.getLastModifiedTime(properties.rulesFile());
        } catch (IOException e) {
            return SHIPPED_VERSION;
        }
    }
}
