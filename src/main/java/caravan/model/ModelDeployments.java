package caravan.model;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
import caravan.hub.SharedQueue;
import caravan.store.JsonColumns;

/** The model_deployments table: each deployment of a model to a device, its status and every step with its time. */
@Repository
public class ModelDeployments implements SharedQueue.Table<ModelDeployments.Claimable> {

    /** Where a deployment ends; any other status is under way. */
    public static final List<String> FINAL = List.of("deployed", "failed", "rolled-back");
    /** The statuses under way, named so that the claim poll reads them through the status index. */
    private static final List<String> UNDER_WAY = List.of("pending", "uploading", "swapping", "restarting", "verifying");

    /** One step, timed: preflight, upload, swap, restart, verify, rollback, prune. */
    public record Step(String step, OffsetDateTime startedAt, long millis, String detail) {
    }

    public record ModelDeployment(String deploymentId, String edgeId, String modelId, String groupId, String status,
            JsonNode parameters, String remotePath, String previousPath, String errorMessage, String serviceLog,
            List<Step> steps, String requestedBy, OffsetDateTime createdAt, OffsetDateTime completedAt) {
    }

    /** A deployment under way that no running hub holds: never claimed yet, or its hub's lease ran out. */
    public record Claimable(String deploymentId, String claimedBy, String status, OffsetDateTime createdAt)
            implements SharedQueue.Work {

        @Override
        public String workId() {
            return deploymentId;
        }
    }

    /** What the device's links pointed at before this deployment first swapped them; a null model: it had none. */
    public record LinksBefore(String model, String parameters) {
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
                    requested_by, created_at)
                VALUES (:id, :edge, :model, :group, 'pending', :parameters, '[]', :by, :now)""")
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
                    error_message, requested_by, created_at, completed_at)
                VALUES (:id, :edge, :model, :group, 'failed', :parameters, '[]', :reason, :by, :now, :now)""")
                .param("id", deploymentId).param("edge", edgeId).param("model", modelId).param("group", groupId)
                .param("parameters", parameters.toString()).param("reason", reason).param("by", requestedBy)
                .param("now", EdgeRegistry.now()).update();
        return get(deploymentId);
    }

    // The updates of a deployment under way are made only by the hub holding it (hub); false: another hub does now.

    /** The deployment enters {@code status}; a final status ends it with {@code error}, if any. */
    public boolean status(String deploymentId, String hub, String status, String error) {
        return jdbc.sql("""
                UPDATE model_deployments SET status = :status, error_message = COALESCE(:error, error_message),
                    completed_at = CASE WHEN :final THEN :now ELSE completed_at END
                WHERE deployment_id = :id AND claimed_by = :hub""")
                .param("id", deploymentId).param("hub", hub).param("status", status).param("error", error)
                .param("final", FINAL.contains(status)).param("now", EdgeRegistry.now()).update() == 1;
    }

    @Transactional
    public boolean step(String deploymentId, String hub, Step step) {
        List<Step> steps = new ArrayList<>(get(deploymentId).steps());
        steps.add(step);
        return jdbc.sql("""
                UPDATE model_deployments SET steps = :steps WHERE deployment_id = :id AND claimed_by = :hub""")
                .param("id", deploymentId).param("hub", hub).param("steps", json.write(steps)).update() == 1;
    }

    public boolean remotePath(String deploymentId, String hub, String remotePath) {
        return jdbc.sql("UPDATE model_deployments SET remote_path = :remote WHERE deployment_id = :id AND claimed_by = :hub")
                .param("id", deploymentId).param("hub", hub).param("remote", remotePath).update() == 1;
    }

    /**
     * Records what the links pointed at before the first swap; a later swap of the same deployment (taken up by
     * another hub) keeps them, as the links then point at this deployment's own model.
     */
    public boolean swapping(String deploymentId, String hub, String previousPath, String previousParameters) {
        return jdbc.sql("""
                UPDATE model_deployments SET
                    previous_path = CASE WHEN swapped_at IS NULL THEN :previous ELSE previous_path END,
                    previous_parameters = CASE WHEN swapped_at IS NULL THEN :parameters ELSE previous_parameters END,
                    swapped_at = COALESCE(swapped_at, :now)
                WHERE deployment_id = :id AND claimed_by = :hub""")
                .param("id", deploymentId).param("hub", hub).param("previous", previousPath)
                .param("parameters", previousParameters).param("now", EdgeRegistry.now()).update() == 1;
    }

    /** What the links pointed at before the deployment swapped them; empty while it has not. */
    public Optional<LinksBefore> linksBefore(String deploymentId) {
        return jdbc.sql("""
                SELECT previous_path, previous_parameters FROM model_deployments
                WHERE deployment_id = :id AND swapped_at IS NOT NULL""")
                .param("id", deploymentId)
                .query((rs, row) -> new LinksBefore(rs.getString("previous_path"), rs.getString("previous_parameters")))
                .optional();
    }

    public boolean serviceLog(String deploymentId, String hub, String log) {
        return jdbc.sql("UPDATE model_deployments SET service_log = :log WHERE deployment_id = :id AND claimed_by = :hub")
                .param("id", deploymentId).param("hub", hub).param("log", log).update() == 1;
    }

    /** Deployments under way that no running hub holds, oldest first. */
    @Override
    public List<Claimable> claimable(OffsetDateTime now) {
        return jdbc.sql("""
                SELECT deployment_id, claimed_by, status, created_at FROM model_deployments
                WHERE status IN (:underWay) AND (claimed_until IS NULL OR claimed_until < :now) ORDER BY created_at""")
                .param("underWay", UNDER_WAY).param("now", now)
                .query((rs, row) -> new Claimable(rs.getString("deployment_id"), rs.getString("claimed_by"),
                        rs.getString("status"), rs.getObject("created_at", OffsetDateTime.class)))
                .list();
    }

    /** Claims the deployment for {@code hub} until {@code until} unless a running hub holds it; of two hubs, one wins. */
    @Override
    public boolean claim(String deploymentId, String hub, OffsetDateTime until, OffsetDateTime now) {
        return jdbc.sql("""
                UPDATE model_deployments SET claimed_by = :hub, claimed_until = :until
                WHERE deployment_id = :id AND status IN (:underWay) AND (claimed_until IS NULL OR claimed_until < :now)""")
                .param("id", deploymentId).param("hub", hub).param("until", until).param("underWay", UNDER_WAY)
                .param("now", now).update() == 1;
    }

    /**
     * Extends the lease of the deployments {@code hub} is running and lets go of its other unfinished ones (every one
     * when the hub stops), for any hub to take up at once.
     */
    @Override
    public void renewClaims(String hub, Collection<String> running, OffsetDateTime until) {
        if (!running.isEmpty()) {
            jdbc.sql("UPDATE model_deployments SET claimed_until = :until WHERE claimed_by = :hub AND deployment_id IN (:ids)")
                    .param("until", until).param("hub", hub).param("ids", running).update();
        }
        jdbc.sql("""
                UPDATE model_deployments SET claimed_until = NULL
                WHERE claimed_by = :hub AND claimed_until IS NOT NULL AND status IN (:underWay)"""
                + (running.isEmpty() ? "" : " AND deployment_id NOT IN (:ids)"))
                .param("hub", hub).param("underWay", UNDER_WAY).params(running.isEmpty() ? Map.of() : Map.of("ids", running))
                .update();
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
