package caravan.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

/** What the intakes (providers, models) do with the files they are given: nothing is deleted, a rejection is kept. */
public final class KeptFiles {

    /** Names the folder a rejection is kept in. */
    public static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private KeptFiles() {
    }

    /** One rename, creating the target's folder. */
    public static void move(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + from + " to " + to, e);
        }
    }

    /** {@code parent/<time>-name}, or {@code -2} and so on after it: two rejections in one second must not share a folder. */
    public static Path newRejectionDir(Path parent, String name) {
        String stamped = STAMP.format(Instant.now()) + "-" + name;
        try {
            Files.createDirectories(parent);
            for (int n = 1; ; n++) {
                try {
                    return Files.createDirectory(parent.resolve(n == 1 ? stamped : stamped + "-" + n));
                } catch (FileAlreadyExistsException taken) {
                    // try the next suffix
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder under " + parent, e);
        }
    }

    /** {@code error.json} in {@code dir}: what was rejected, when, and every problem found. */
    public static void writeError(ObjectMapper mapper, Path dir, String input, List<String> problems) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("input", input);
        error.put("rejectedAt", Instant.now().toString());
        error.put("problems", problems);
        try {
            Files.createDirectories(dir);
            mapper.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("error.json").toFile(), error);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write error.json in " + dir, e);
        }
    }

    /**
     * Operators drop the payload before the metadata JSON, but a large copy may still be finishing: waits until each
     * file has not changed for {@code settle}, so a half-written file is never read.
     */
    public static void awaitSettled(List<Path> files, Duration settle) {
        long settleMillis = settle.toMillis();
        Instant deadline = Instant.now().plus(Duration.ofMillis(Math.max(settleMillis * 60, 60_000)));
        for (Path file : files) {
            try {
                long lastSize = -1;
                while (Instant.now().isBefore(deadline)) {
                    long size = Files.size(file);
                    long age = System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis();
                    if (size == lastSize && age >= settleMillis) {
                        break;
                    }
                    lastSize = size;
                    Thread.sleep(Math.max(100, settleMillis / 4));
                }
            } catch (IOException e) {
                return; // the intake reports the unreadable file
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A file's name without its last extension. */
    public static String baseName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
