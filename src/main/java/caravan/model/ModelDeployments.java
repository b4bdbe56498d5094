package caravan.model;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import caravan.api.ConflictException;
import caravan.api.NotFoundException;
import caravan.edge.EdgeRegistry;
import caravan.store.JsonColumns;

/** The model_deployments table: each deployment of a model to a device, its status and every step with its time. */
@Repository
public class ModelDeployments {

    /** Where a deployment ends; any other status is under way. */
    public static final List<String> FINAL = List.of("deployed", "failed", "rolled-back");

    /** One step, timed: preflight, upload, swap, restart, verify, rollback, prune. */
    public record Step(String step, OffsetDateTime startedAt, long millis, String detail) {
    }

    public record ModelDeployment(String deploymentId, String edgeId, String modelId, String groupId, String status,
            JsonNode parameters, String remotePath, String previousPath, String errorMessage, String serviceLog,
            List<Step> steps, String requestedBy, OffsetDateTime createdAt, OffsetDateTime completedAt) {
    }

    private static final TypeReference<List<Step>> STEPS = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonColumns json;

    public ModelDeployments(JdbcClient jdbc, JsonColumns json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /**
     * A new pending deployment; refused while the device has one under way. The edge row is locked so that two hubs
     * or two requests cannot both pass the check.
     */
    @Transactional
    public ModelDeployment insertPending(String edgeId, String modelId, String groupId, JsonNode parameters,
            String requestedBy) {
        jdbc.sql("SELECT edge_id FROM edges WHERE edge_id = :id FOR UPDATE").param("id", edgeId).query(String.class).list();
        jdbc.sql("SELECT deployment_id FROM model_deployments WHERE edge_id = :id AND status NOT IN (:final)")
                .param("id", edgeId).param("final", FINAL).query(String.class).optional().ifPresent(running -> {
                    throw new ConflictException("device " + edgeId + " is being deployed to (model deployment "
                            + running + "): one model deployment per device at a time");
                });
        String deploymentId = UUID.randomUUID().toString();
        jdbc.sql("""
                INSERT INTO model_deployments (deployment_id, edge_id, model_id, group_id, status, parameters, steps,
                    requested_by, created_at, updated_at)
                VALUES (:id, :edge, :model, :group, 'pending', :parameters, '[]', :by, :now, :now)""")
                .param("id", deploymentId).param("edge", edgeId).param("model", modelId).param("group", groupId)
                .param("parameters", parameters.toString()).param("by", requestedBy).param("now", EdgeRegistry.now())
                .update();
        return get(deploymentId);
    }

    /** A deployment that failed before it started: the device was busy or is no longer trusted. */
    public ModelDeployment insertRefused(String edgeId, String modelId, String groupId, JsonNode parameters,
            String requestedBy, String reason) {
        String deploymentId = UUID.randomUUID().toString();
        jdbc.sql("""
                INSERT INTO model_deployments (deployment_id, edge_id, model_id, group_id, status, parameters, steps,
                    error_message, requested_by, created_at, completed_at, updated_at)
                VALUES (:id, :edge, :model, :group, 'failed', :parameters, '[]', :reason, :by, :now, :now, :now)""")
                .param("id", deploymentId).param("edge", edgeId).param("model", modelId).param("group", groupId)
                .param("parameters", parameters.toString()).param("reason", reason).param("by", requestedBy)
                .param("now", EdgeRegistry.now()).update();
        return get(deploymentId);
    }

    /** The deployment enters {@code status}; a final status ends it with {@code error}, if any. */
    public void status(String deploymentId, String status, String error) {
        jdbc.sql("""
                UPDATE model_deployments SET status = :status, error_message = COALESCE(:error, error_message),
                    completed_at = CASE WHEN :final THEN :now ELSE completed_at END, updated_at = :now
                WHERE deployment_id = :id""")
                .param("id", deploymentId).param("status", status).param("error", error)
                .param("final", FINAL.contains(status)).param("now", EdgeRegistry.now()).update();
    }

    @Transactional
    public void step(String deploymentId, Step step) {
        List<Step> steps = new ArrayList<>(get(deploymentId).steps());
        steps.add(step);
        jdbc.sql("UPDATE model_deployments SET steps = :steps, updated_at = :now WHERE deployment_id = :id")
                .param("id", deploymentId).param("steps", json.write(steps)).param("now", EdgeRegistry.now()).update();
    }

    public void paths(String deploymentId, String remotePath, String previousPath) {
        jdbc.sql("UPDATE model_deployments SET remote_path = :remote, previous_path = :previous WHERE deployment_id = :id")
                .param("id", deploymentId).param("remote", remotePath).param("previous", previousPath).update();
    }

    public void serviceLog(String deploymentId, String log) {
        jdbc.sql("UPDATE model_deployments SET service_log = :log WHERE deployment_id = :id")
                .param("id", deploymentId).param("log", log).update();
    }

    public ModelDeployment get(String deploymentId) {
        return find(deploymentId).orElseThrow(() -> new NotFoundException("no model deployment " + deploymentId));
    }

    public Optional<ModelDeployment> find(String deploymentId) {
        return jdbc.sql("SELECT * FROM model_deployments WHERE deployment_id = :id").param("id", deploymentId)
                .query(this::deployment).optional();
    }

    /** The device's model deployments, newest first. */
    public List<ModelDeployment> ofEdge(String edgeId) {
        return jdbc.sql("SELECT * FROM model_deployments WHERE edge_id = :id ORDER BY created_at DESC")
                .param("id", edgeId).query(this::deployment).list();
    }

    /**
     * Ends the deployments under way that recorded nothing since {@code cutoff}: the hub running them stopped (a live
     * one records every step), and the device must not stay blocked for new ones. Returns how many.
     */
    public int failAbandoned(OffsetDateTime cutoff, String reason) {
        return jdbc.sql("""
                UPDATE model_deployments SET status = 'failed', error_message = :reason, completed_at = :now,
                    updated_at = :now
                WHERE status NOT IN (:final) AND updated_at < :cutoff""")
                .param("reason", reason).param("now", EdgeRegistry.now()).param("final", FINAL)
                .param("cutoff", cutoff).update();
    }

    private ModelDeployment deployment(ResultSet rs, int row) throws SQLException {
        try {
            return new ModelDeployment(rs.getString("deployment_id"), rs.getString("edge_id"), rs.getString("model_id"),
                    rs.getString("group_id"), rs.getString("status"), json.tree(rs.getString("parameters")),
                    rs.getString("remote_path"), rs.getString("previous_path"), rs.getString("error_message"),
                    rs.getString("service_log"), json.read(rs.getString("steps"), STEPS), rs.getString("requested_by"),
                    rs.getObject("created_at", OffsetDateTime.class), rs.getObject("completed_at", OffsetDateTime.class));
        } catch (JsonProcessingException e) {
            throw new SQLException("model deployment " + rs.getString("deployment_id") + " is unreadable", e);
        }
    }
}
