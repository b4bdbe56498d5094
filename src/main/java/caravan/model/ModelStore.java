package caravan.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import caravan.api.NotFoundException;
import caravan.edge.EdgeRegistry;
import caravan.model.ModelMetadata.Target;
import caravan.model.ModelValidator.Port;
import caravan.store.JsonColumns;

/** Accepted models: their files under {@code caravan.models.store-dir} by sha256, their metadata in the database. */
@Repository
public class ModelStore {

    /** An accepted model, as the API answers it; {@code modelId} is its sha256. */
    public record Model(String modelId, String name, String version, String description, String sha256, long sizeBytes,
            long irVersion, long opset, String producer, List<Port> inputs, List<Port> outputs,
            Map<String, List<Long>> inputShapes, Target target, String source, String createdBy,
            OffsetDateTime createdAt) {
    }

    private static final TypeReference<List<Port>> PORTS = new TypeReference<>() { };
    private static final TypeReference<Map<String, List<Long>>> SHAPES = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonColumns json;
    private final Path storeDir;

    public ModelStore(JdbcClient jdbc, JsonColumns json, ModelProperties properties) {
        this.jdbc = jdbc;
        this.json = json;
        this.storeDir = properties.storeDir();
    }

    /** Where a model's file is kept. */
    private Path file(String sha256) {
        return storeDir.resolve(sha256.substring(0, 2)).resolve(sha256 + ".onnx");
    }

    /** Records a validated model and puts its file in the store. */
    Model insert(Path validatedFile, String sha256, long size, ModelMetadata metadata, ModelValidator.Validated validated,
            String source, String createdBy) {
        putFile(sha256, validatedFile);
        jdbc.sql("""
                INSERT INTO models (model_id, name, version, description, size_bytes, ir_version, opset, producer,
                    inputs, outputs, input_shapes, target, source, created_by, created_at)
                VALUES (:id, :name, :version, :description, :size, :ir, :opset, :producer, :inputs, :outputs, :shapes,
                    :target, :source, :createdBy, :now)""")
                .param("id", sha256).param("name", metadata.name()).param("version", metadata.version())
                .param("description", metadata.description()).param("size", size)
                .param("ir", validated.irVersion()).param("opset", validated.opset()).param("producer", validated.producer())
                .param("inputs", json.write(validated.inputs())).param("outputs", json.write(validated.outputs()))
                .param("shapes", json.write(metadata.inputShapes()))
                .param("target", metadata.target() == null ? null : json.write(metadata.target()))
                .param("source", source).param("createdBy", createdBy).param("now", EdgeRegistry.now())
                .update();
        return find(sha256).orElseThrow();
    }

    /**
     * Puts a known model's file back when this hub's store lacks it (a store that was not shared, or was lost): the
     * bytes just sent are the model's, their sha256 says so.
     */
    void restoreFile(String sha256, Path file) {
        if (!Files.isRegularFile(file(sha256))) {
            putFile(sha256, file);
        }
    }

    /** Copies under a temporary name, then one rename: a reader never sees half a model. */
    private void putFile(String sha256, Path source) {
        Path target = file(sha256);
        try {
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(target.getParent(), ".incoming-", ".onnx");
            Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store model " + sha256 + " in " + storeDir, e);
        }
    }

    /** The model's file, which must be in this hub's store. */
    public Path existingFile(String sha256) {
        Path file = file(sha256);
        if (!Files.isRegularFile(file)) {
            throw new NotFoundException("the file of model " + sha256 + " is missing from " + storeDir
                    + ": hubs that share a database must share caravan.models.store-dir; upload the model again to "
                    + "restore it");
        }
        return file;
    }

    public Optional<Model> find(String modelId) {
        return jdbc.sql("SELECT * FROM models WHERE model_id = :id").param("id", modelId).query(this::model).optional();
    }

    public Model get(String modelId) {
        return find(modelId).orElseThrow(() -> new NotFoundException("no model " + modelId));
    }

    public Optional<Model> find(String name, String version) {
        return jdbc.sql("SELECT * FROM models WHERE name = :name AND version = :version")
                .param("name", name).param("version", version).query(this::model).optional();
    }

    /** The newest version of every model name. */
    public List<Model> latest() {
        return jdbc.sql("""
                SELECT * FROM models m WHERE created_at = (SELECT MAX(created_at) FROM models n WHERE n.name = m.name)
                ORDER BY name""").query(this::model).list();
    }

    /** Every version of a model, newest first. */
    public List<Model> versions(String name) {
        List<Model> versions = jdbc.sql("SELECT * FROM models WHERE name = :name ORDER BY created_at DESC")
                .param("name", name).query(this::model).list();
        if (versions.isEmpty()) {
            throw new NotFoundException("no model named " + name);
        }
        return versions;
    }

    private Model model(ResultSet rs, int row) throws SQLException {
        try {
            String target = rs.getString("target");
            return new Model(rs.getString("model_id"), rs.getString("name"), rs.getString("version"),
                    rs.getString("description"), rs.getString("model_id"), rs.getLong("size_bytes"),
                    rs.getLong("ir_version"), rs.getLong("opset"), rs.getString("producer"),
                    json.read(rs.getString("inputs"), PORTS), json.read(rs.getString("outputs"), PORTS),
                    json.read(rs.getString("input_shapes"), SHAPES),
                    target == null ? null : json.read(target, Target.class), rs.getString("source"),
                    rs.getString("created_by"), rs.getObject("created_at", OffsetDateTime.class));
        } catch (JsonProcessingException e) {
            throw new SQLException("model " + rs.getString("model_id") + " has unreadable JSON columns", e);
        }
    }
}
