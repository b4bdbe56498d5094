package caravan.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What the agent must remember across restarts, as files in its state directory: the deployment running now, the
 * last healthy one before it (the rollback target), the deploy under way, the provider images it pulled (so older
 * ones can be pruned), and the provider's config file. Files are replaced atomically, so a power cut leaves the old or the new version.
 * The directory is the agent's own or, for an agentless edge, one on the device reached over SFTP: the device keeps
 * its state either way.
 */
public class AgentState {

    /** Puts a fully written temporary file in place of the target in one step. */
    @FunctionalInterface
    public interface AtomicReplace {
        void replace(Path temp, Path target) throws IOException;
    }

    /** A deployment on this edge: its document and whether it passed the health gate. */
    public record Installed(JsonNode deployment, String image, boolean healthy) {

        public String deploymentId() {
            return deployment.path("deploymentId").asText();
        }
    }

    static final String CONFIG_FILE = "extrinsics.json";

    private final Path dir;
    private final Path configDir;
    private final ObjectMapper mapper;
    private final AtomicReplace atomicReplace;

    /** State on the local file system. */
    public AgentState(AgentSettings settings, ObjectMapper mapper) {
        this(settings, mapper, (temp, target) -> Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE));
    }

    public AgentState(AgentSettings settings, ObjectMapper mapper, AtomicReplace atomicReplace) {
        this.dir = settings.stateDir();
        this.configDir = settings.configDir();
        this.mapper = mapper;
        this.atomicReplace = atomicReplace;
    }

    public synchronized Optional<Installed> current() {
        return read("current.json", Installed.class);
    }

    public synchronized Optional<Installed> previous() {
        return read("previous.json", Installed.class);
    }

    /** {@code null} means no provider is deployed. */
    public synchronized void setCurrent(Installed installed) {
        if (installed == null) {
            delete("current.json");
        } else {
            write("current.json", installed);
        }
    }

    public synchronized void setPrevious(Installed installed) {
        if (installed == null) {
            delete("previous.json");
        } else {
            write("previous.json", installed);
        }
    }

    /** The deploy under way, so a restarted agent can finish it; written without its pull credentials. */
    public synchronized Optional<AgentCommand> deployInProgress() {
        return read("deploying.json", AgentCommand.class);
    }

    public synchronized void setDeployInProgress(AgentCommand command) {
        if (command == null) {
            delete("deploying.json");
        } else {
            write("deploying.json", command.withoutRegistryAuth());
        }
    }

    public synchronized Set<String> pulledImages() {
        return read("images.json", new TypeReference<LinkedHashSet<String>>() { }).orElseGet(LinkedHashSet::new);
    }

    public synchronized void setPulledImages(Set<String> images) {
        write("images.json", images);
    }

    /** Writes the deployment document where the provider reads it ({@code /config/extrinsics.json} in its container). */
    public synchronized void writeConfig(JsonNode deployment) {
        writeAtomically(configDir.resolve(CONFIG_FILE), deployment);
    }

    private <T> Optional<T> read(String name, Class<T> type) {
        return read(name, mapper.getTypeFactory().constructType(type));
    }

    private <T> Optional<T> read(String name, TypeReference<T> type) {
        return read(name, mapper.getTypeFactory().constructType(type));
    }

    private <T> Optional<T> read(String name, JavaType type) {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Optional.of(mapper.readValue(in, type));
        } catch (IOException e) {
            throw new UncheckedIOException("state file " + file + " is unreadable", e);
        }
    }

    private void write(String name, Object value) {
        writeAtomically(dir.resolve(name), value);
    }

    private void delete(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeAtomically(Path file, Object value) {
        try {
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(temp)) {
                mapper.writerWithDefaultPrettyPrinter().writeValue(out, value);
            }
            atomicReplace.replace(temp, file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
