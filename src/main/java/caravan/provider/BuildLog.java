package caravan.provider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

import org.springframework.stereotype.Component;

/** One append-only log file per build, kept beside its build context; the status API shows its tail. */
@Component
public class BuildLog {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final ProviderProperties properties;

    public BuildLog(ProviderProperties properties) {
        this.properties = properties;
    }

    public void append(String buildId, String message) {
        Path file = file(buildId);
        String stamp = OffsetDateTime.now(ZoneOffset.UTC).format(TIME);
        StringBuilder lines = new StringBuilder();
        message.lines().forEach(line -> lines.append(stamp).append(' ').append(line).append('\n'));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the log of build " + buildId, e);
        }
    }

    public List<String> tail(String buildId) {
        Path file = file(buildId);
        if (!Files.exists(file)) {
            return List.of();
        }
        Deque<String> last = new ArrayDeque<>();
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            lines.forEach(line -> {
                if (last.size() == properties.logTailLines()) {
                    last.removeFirst();
                }
                last.addLast(line);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the log of build " + buildId, e);
        }
        return List.copyOf(last);
    }

    private Path file(String buildId) {
        return properties.buildDir(buildId).resolve("build.log");
    }
}
