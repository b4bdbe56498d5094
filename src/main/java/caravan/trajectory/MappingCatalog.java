package caravan.trajectory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.schibsted.spt.data.jslt.Expression;
import com.schibsted.spt.data.jslt.JsltException;
import com.schibsted.spt.data.jslt.Parser;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import caravan.provider.TrajectoryFormats;

/**
 * The message formats the hub can map: one {@code <format>.jslt} per format in the mappings folder, compiled once
 * and compiled again when its file changes (checked at most once a second), so an edited mapping applies without a
 * restart. The hub's own mappings ship in its jar ({@code classpath:mappings/}); a file of the same name in the
 * folder overrides one. Expressions are applied to the parsed message directly: the camel-jslt endpoint would turn
 * each result into a String that the intake then parses again.
 */
@Component
public class MappingCatalog implements TrajectoryFormats {

    private static final Pattern FORMAT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    /** Where the shipped mappings are, in the jar. */
    static final String SHIPPED = "mappings/";
    /** The file version of a shipped mapping: it never changes while the hub runs. */
    private static final FileTime SHIPPED_VERSION = FileTime.fromMillis(0);
    private static final long RECHECK_NANOS = 1_000_000_000L;

    /**
     * A mapping as last read: its expression, or why there is none (no file, does not compile), and the file
     * version it came from. A broken mapping is remembered too, so a flood of messages does not recompile it each.
     */
    private record Compiled(Expression expression, String problem, FileTime modified, long checkedAt) {

        Compiled checked(long now) {
            return new Compiled(expression, problem, modified, now);
        }
    }

    private final Path dir;
    private final Map<String, Compiled> compiled = new ConcurrentHashMap<>();

    @Autowired
    public MappingCatalog(TrajectoryProperties properties) {
        this(Path.of(properties.mappingsDir()));
    }

    public MappingCatalog(Path dir) {
        this.dir = dir;
    }

    @Override
    public String problemWith(String format) {
        if (!FORMAT.matcher(format).matches()) {
            return "trajectoryFormat '" + format + "' must be a lowercase slug naming a mapping in " + dir;
        }
        if (!Files.isRegularFile(dir.resolve(format + ".jslt")) && shipped(format) == null) {
            return "trajectoryFormat '" + format + "' has no mapping " + dir.resolve(format + ".jslt")
                    + " and is not one the hub ships";
        }
        return null;
    }

    /**
     * Applies the format's mapping. The mappings read the edge and venue as {@code $headers.CaravanEdgeId} and
     * {@code $headers.CaravanVenueId}, as they did under camel-jslt.
     *
     * @throws JsltException when the format has no mapping, the mapping does not compile, or it fails on this input
     */
    public JsonNode map(String format, JsonNode message, Map<String, JsonNode> variables) {
        return expression(format).apply(variables, message);
    }

    private Expression expression(String format) {
        long now = System.nanoTime();
        Compiled current = compiled.get(format);
        if (current == null || now - current.checkedAt() >= RECHECK_NANOS) {
            current = compiled.compute(format, (name, previous) -> refresh(name, previous, now));
        }
        if (current.expression() == null) {
            throw new JsltException(current.problem());
        }
        return current.expression();
    }

    private Compiled refresh(String format, Compiled previous, long now) {
        if (!FORMAT.matcher(format).matches()) {
            return new Compiled(null, "format '" + format + "' is not a mapping name", null, now);
        }
        Path file = dir.resolve(format + ".jslt");
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return compileShipped(format, previous, now, file);
        }
        if (previous != null && modified.equals(previous.modified())) {
            return previous.checked(now);
        }
        try {
            return new Compiled(Parser.compileString(Files.readString(file)), null, modified, now);
        } catch (IOException e) {
            return new Compiled(null, "mapping " + file + " cannot be read: " + e.getMessage(), modified, now);
        } catch (JsltException e) {
            return new Compiled(null, "mapping " + file + " does not compile: " + e.getMessage(), modified, now);
        }
    }

    /** The mapping the hub ships for {@code format}, used when the folder has none. */
    private static Compiled compileShipped(String format, Compiled previous, long now, Path overrideFile) {
        if (previous != null && SHIPPED_VERSION.equals(previous.modified())) {
            return previous.checked(now);
        }
        String shipped = shipped(format);
        if (shipped == null) {
            return new Compiled(null, "no mapping " + overrideFile + " for format '" + format + "', and the hub "
                    + "ships none of that name", null, now);
        }
        return new Compiled(Parser.compileString(shipped), null, SHIPPED_VERSION, now);
    }

    private static String shipped(String format) {
        try (InputStream in = MappingCatalog.class.getClassLoader().getResourceAsStream(SHIPPED + format + ".jslt")) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the hub's own mapping " + format + " cannot be read", e);
        }
    }
}
