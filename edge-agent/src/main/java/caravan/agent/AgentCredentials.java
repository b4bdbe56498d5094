package caravan.agent;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Properties;
import java.util.Set;

import caravan.deploy.MqttLogin;

/**
 * This edge's own credential, as its installer was given it: in a file only the agent's user may read
 * ({@code username} and {@code password} lines, mode 0600 or 0400), or in the environment. The agent logs in to the
 * broker with it and opens what the hub sealed to this edge with it; it never appears in a log.
 */
final class AgentCredentials {

    private static final Set<PosixFilePermission> OTHERS_AND_GROUP = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /**
     * From {@code file} when one is named, else from {@code username} and {@code password}; null when neither is
     * given.
     *
     * @throws IllegalStateException when the file is readable by others, or lacks a line
     */
    static MqttLogin load(String file, String username, String password) throws IOException {
        if (file != null && !file.isBlank()) {
            Path path = Path.of(file);
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            if (permissions.stream().anyMatch(OTHERS_AND_GROUP::contains)) {
                throw new IllegalStateException(path + " may be read by others (" + permissions + "): "
                        + "chmod 600 it, it holds this edge's credential");
            }
            Properties lines = new Properties();
            try (Reader reader = Files.newBufferedReader(path)) {
                lines.load(reader);
            }
            return new MqttLogin(required(lines, "username", path), required(lines, "password", path));
        }
        if (password == null || password.isBlank()) {
            return null;
        }
        return new MqttLogin(username, password);
    }

    private AgentCredentials() {
    }

    private static String required(Properties lines, String name, Path path) {
        String value = lines.getProperty(name, "").trim();
        if (value.isEmpty()) {
            throw new IllegalStateException(path + " has no " + name + " line");
        }
        return value;
    }
}
