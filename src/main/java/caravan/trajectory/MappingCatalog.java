package caravan.trajectory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/** The message formats the hub can map: one {@code <format>.jslt} per format in the mappings folder. */
@Component
public class MappingCatalog {

    private static final Pattern FORMAT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final Path dir;

    @Autowired
    public MappingCatalog(TrajectoryProperties properties) {
        this(Path.of(properties.mappingsDir()));
    }

    public MappingCatalog(Path dir) {
        this.dir = dir;
    }

    /** What is wrong with {@code format} as a provider's trajectory format, or null when it has a mapping. */
    public String problemWith(String format) {
        if (!FORMAT.matcher(format).matches()) {
            return "trajectoryFormat '" + format + "' must be a lowercase slug naming a mapping in " + dir;
        }
        if (!Files.isRegularFile(dir.resolve(format + ".jslt"))) {
            return "trajectoryFormat '" + format + "' has no mapping " + dir.resolve(format + ".jslt");
        }
        return null;
    }
}
