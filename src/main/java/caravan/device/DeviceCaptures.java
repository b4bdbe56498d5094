package caravan.device;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import caravan.api.ForbiddenException;
import caravan.api.InputRejectedException;
import caravan.api.NotFoundException;
import caravan.api.PayloadTooLargeException;
import caravan.device.DeviceCommands.DeviceCommand;

/**
 * Captures devices upload: a JPEG or PNG that decodes, within the size limit, stored by its SHA-256 with what is known
 * of it. A capture whose trigger is not one of its device's is kept and flagged; nothing is stored until the image
 * has been checked, and the file is in place before its row exists.
 */
@Component
public class DeviceCaptures {

    /** The image as received, with the reference's fields (from its JSON body, or the parts of a multipart one). */
    public record CaptureUpload(String deviceId, String triggerId, byte[] image, String capturedAt) {
    }

    public record Capture(@JsonProperty("capture_id") String captureId, @JsonProperty("device_id") String deviceId,
            @JsonProperty("trigger_id") String triggerId, @JsonProperty("command_id") String commandId,
            String sha256, @JsonProperty("content_type") String contentType,
            @JsonProperty("size_bytes") long sizeBytes, int width, int height,
            @JsonProperty("captured_at") OffsetDateTime capturedAt,
            @JsonProperty("received_at") OffsetDateTime receivedAt, @JsonProperty("latency_ms") Long latencyMs,
            String flag) {
    }

    /** An image file with its type, for {@code GET /api/captures/{id}/image}. */
    public record CaptureImage(File file, String contentType) {
    }

    private final JdbcClient jdbc;
    private final DeviceCommands commands;
    private final DeviceMetrics metrics;
    private final DeviceProperties properties;

    public DeviceCaptures(JdbcClient jdbc, DeviceCommands commands, DeviceMetrics metrics, DeviceProperties properties) {
        this.jdbc = jdbc;
        this.commands = commands;
        this.metrics = metrics;
        this.properties = properties;
    }

    /** The largest image accepted, in bytes. */
    public long maxImageBytes() {
        return properties.maxCaptureSize().toBytes();
    }

    /** Checks, stores and records a capture from {@code authenticatedDevice}. */
    public Capture store(CaptureUpload upload, String authenticatedDevice) {
        if (upload.deviceId() == null || upload.deviceId().isBlank()) {
            throw new InputRejectedException(List.of("device_id is required"));
        }
        if (!upload.deviceId().equals(authenticatedDevice)) {
            throw new ForbiddenException("device " + authenticatedDevice + " may not upload a capture for device "
                    + upload.deviceId());
        }
        if (upload.image() == null || upload.image().length == 0) {
            throw new InputRejectedException(List.of("image is empty: image_base64 (or the multipart part image) must "
                    + "hold a JPEG or PNG"));
        }
        if (upload.image().length > maxImageBytes()) {
            throw new PayloadTooLargeException("image of " + upload.image().length + " bytes is larger than "
                    + properties.maxCaptureSize() + " (caravan.devices.max-capture-size)");
        }
        OffsetDateTime capturedAt = capturedAt(upload.capturedAt());
        String contentType = contentType(upload.image());
        BufferedImage decoded = decode(upload.image(), contentType);
        String sha256 = sha256(upload.image());
        keep(upload.image(), sha256, contentType);

        OffsetDateTime receivedAt = DeviceCommands.now();
        Optional<DeviceCommand> trigger = Optional.ofNullable(upload.triggerId())
                .flatMap(commands::byTrigger).filter(command -> command.deviceId().equals(upload.deviceId()));
        String flag = upload.triggerId() == null ? "no-trigger" : trigger.isEmpty() ? "unknown-trigger" : null;
        Long latencyMs = trigger.map(command -> Duration.between(command.createdAt(), receivedAt).toMillis())
                .orElse(null);
        String captureId = UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO captures (capture_id, edge_id, trigger_id, command_id, sha256, content_type, size_bytes, "
                        + "width, height, captured_at, received_at, latency_ms, flag) VALUES (:id, :edge, :trigger, "
                        + ":command, :sha, :type, :size, :width, :height, :captured, :received, :latency, :flag)")
                .param("id", captureId).param("edge", upload.deviceId()).param("trigger", upload.triggerId())
                .param("command", trigger.map(DeviceCommand::commandId).orElse(null)).param("sha", sha256)
                .param("type", contentType).param("size", (long) upload.image().length)
                .param("width", decoded.getWidth()).param("height", decoded.getHeight())
                .param("captured", capturedAt).param("received", receivedAt).param("latency", latencyMs)
                .param("flag", flag).update();
        trigger.ifPresent(command -> {
            commands.acknowledge(command.commandId(), "done", "captured " + captureId);
            metrics.triggerToCapture(Duration.ofMillis(latencyMs));
        });
        return capture(captureId);
    }

    public Capture capture(String captureId) {
        return jdbc.sql("SELECT * FROM captures WHERE capture_id = :id").param("id", captureId).query(this::map)
                .optional().orElseThrow(() -> new NotFoundException("no capture " + captureId));
    }

    /** Captures received in [from, to), of one device or all, newest first; any bound may be left out. */
    public List<Capture> captures(String deviceId, String from, String to, Integer limit) {
        OffsetDateTime fromTime = from == null ? null : time(from, "from");
        OffsetDateTime toTime = to == null ? null : time(to, "to");
        StringBuilder sql = new StringBuilder("SELECT * FROM captures WHERE 1 = 1");
        Map<String, Object> params = new HashMap<>();
        if (deviceId != null) {
            sql.append(" AND edge_id = :edge");
            params.put("edge", deviceId);
        }
        if (fromTime != null) {
            sql.append(" AND received_at >= :from");
            params.put("from", fromTime);
        }
        if (toTime != null) {
            sql.append(" AND received_at < :to");
            params.put("to", toTime);
        }
        params.put("limit", limit == null ? 100 : Math.max(1, Math.min(limit, 1000)));
        return jdbc.sql(sql.append(" ORDER BY received_at DESC LIMIT :limit").toString()).params(params)
                .query(this::map).list();
    }

    public CaptureImage image(String captureId) {
        Capture capture = capture(captureId);
        Path file = fileOf(capture.sha256(), capture.contentType());
        if (!Files.exists(file)) {
            throw new NotFoundException("capture " + captureId + " is recorded but its image " + file.getFileName()
                    + " is not in this hub's caravan.devices.captures-dir (hubs on one database share it)");
        }
        return new CaptureImage(file.toFile(), capture.contentType());
    }

    private Path fileOf(String sha256, String contentType) {
        return properties.capturesDir().resolve(sha256.substring(0, 2))
                .resolve(sha256 + ("image/png".equals(contentType) ? ".png" : ".jpg"));
    }

    /** Written under a temporary name and renamed: a file in place is always whole. */
    private void keep(byte[] image, String sha256, String contentType) {
        Path file = fileOf(sha256, contentType);
        if (Files.exists(file)) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Path partial = Files.createTempFile(file.getParent(), sha256, ".partial");
            Files.write(partial, image);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store capture " + sha256 + " in " + properties.capturesDir(), e);
        }
    }

    private static String contentType(byte[] image) {
        if (image.length > 3 && (image[0] & 0xff) == 0xff && (image[1] & 0xff) == 0xd8 && (image[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        if (image.length > 8 && (image[0] & 0xff) == 0x89 && image[1] == 'P' && image[2] == 'N' && image[3] == 'G') {
            return "image/png";
        }
        throw new InputRejectedException(List.of("image is neither a JPEG nor a PNG (its first bytes are "
                + HexFormat.of().formatHex(image, 0, Math.min(8, image.length)) + ")"));
    }

    private static BufferedImage decode(byte[] image, String contentType) {
        try {
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image));
            if (decoded != null) {
                return decoded;
            }
        } catch (IOException | RuntimeException e) {
            throw new InputRejectedException(List.of("image does not decode as " + contentType + ": " + e.getMessage()));
        }
        throw new InputRejectedException(List.of("image does not decode as " + contentType));
    }

    private static OffsetDateTime capturedAt(String value) {
        return value == null || value.isBlank() ? null : time(value, "captured_at");
    }

    private static OffsetDateTime time(String value, String field) {
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw new InputRejectedException(List.of(field + " must be an ISO-8601 time with its offset, like "
                    + "2025-01-01T00:00:00Z, not " + value));
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Capture map(ResultSet rs, int row) throws SQLException {
        return new Capture(rs.getString("capture_id"), rs.getString("edge_id"), rs.getString("trigger_id"),
                rs.getString("command_id"), rs.getString("sha256"), rs.getString("content_type"),
                rs.getLong("size_bytes"), rs.getInt("width"), rs.getInt("height"),
                rs.getObject("captured_at", OffsetDateTime.class), rs.getObject("received_at", OffsetDateTime.class),
                rs.getObject("latency_ms", Long.class), rs.getString("flag"));
    }
}
