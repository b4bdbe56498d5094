package caravan.edge;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import caravan.store.JsonColumns;
import org.springframework.transaction.annotation.Transactional;

/** The deployments table: each deployment's document and every status it went through, with its time. */
@Repository
public class DeploymentStore {

    public static final List<String> FINAL = List.of("healthy", "failed");
    /** The steps of a deployment that goes well, in order; {@code failed} can follow any of them. */
    static final List<String> LIFECYCLE = List.of("pending", "dispatched", "pulling", "starting", "running", "healthy");

    public record Step(String status, OffsetDateTime at, String detail) {
    }

    public record Deployment(String deploymentId, String edgeId, String venueId, String providerId, String status,
            String error, JsonNode document, List<Step> history, String startedBy, OffsetDateTime createdAt,
            OffsetDateTime updatedAt) implements Rollout {
    }

    private static final TypeReference<List<Step>> STEPS = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonColumns json;

    public DeploymentStore(JdbcClient jdbc, JsonColumns json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** A new deployment, pending; {@code startedBy} is the key's name, or what started it on the hub's own. */
    public Deployment insertPending(JsonNode document, String startedBy) {
        OffsetDateTime now = EdgeRegistry.now();
        jdbc.sql("""
                INSERT INTO deployments (deployment_id, edge_id, venue_id, provider_id, document, status, history,
                    started_by, created_at, updated_at)
                VALUES (:id, :edge, :venue, :provider, :document, 'pending', :history, :startedBy, :now, :now)""")
                .param("id", document.get("deploymentId").asText())
                .param("edge", document.get("edgeId").asText())
                .param("venue", document.get("venueId").asText())
                .param("provider", document.get("provider").get("providerId").asText())
                .param("document", document.toString())
                .param("history", json.write(List.of(new Step("pending", now, null))))
                .param("startedBy", startedBy)
                .param("now", now)
                .update();
        return find(document.get("deploymentId").asText()).orElseThrow();
    }

    /**
     * Records a status the hub itself observed, at the hub's time. Transactional itself: the call below does not go
     * through Spring's proxy, and without a transaction its row lock ends with the select, so a report applied
     * meanwhile was overwritten.
     */
    @Transactional
    public boolean advance(String deploymentId, String status, String detail) {
        return advance(deploymentId, status, detail, EdgeRegistry.now());
    }

    /**
     * Records that the deployment reached {@code status} at {@code at} (the reporter's clock). Reports can arrive out
     * of order (hubs share the agents' events through a shared subscription, and the hub records {@code dispatched}
     * after sending), so each step takes its place in the lifecycle: the status moves only forward, a late earlier
     * step is filed where it belongs, a repeated step (a QoS 1 redelivery) is ignored. Of {@code healthy} and
     * {@code failed} the one that happened first is the outcome, whichever arrived first; nothing after it counts.
     * The row is locked, so concurrent reports apply one after the other. Returns whether the status changed.
     */
    @Transactional
    public boolean advance(String deploymentId, String status, String detail, OffsetDateTime at) {
        Optional<Deployment> found = jdbc.sql("SELECT * FROM deployments WHERE deployment_id = :id FOR UPDATE")
                .param("id", deploymentId).query(this::map).optional();
        if (found.isEmpty() || found.get().history().stream().anyMatch(step -> step.status().equals(status))) {
            return false;
        }
        Deployment current = found.get();
        Step step = new Step(status, at, detail);
        List<Step> history = new ArrayList<>(current.history());
        boolean changes;
        if (FINAL.contains(current.status())) {
            Step outcome = history.stream().filter(s -> s.status().equals(current.status())).reduce((a, b) -> b).orElseThrow();
            boolean earlierOutcome = FINAL.contains(status) && (at.isBefore(outcome.at())
                    || at.isEqual(outcome.at()) && rank(status) < rank(outcome.status()));
            if (earlierOutcome) {
                history.remove(outcome);
            } else if (rank(status) >= rank(current.status())) {
                return false; // e.g. a failure reported after the deployment was already healthy
            }
            changes = earlierOutcome;
        } else {
            changes = rank(status) > rank(current.status());
        }
        int position = 0;
        while (position < history.size() && rank(history.get(position).status()) <= rank(status)) {
            position++;
        }
        history.add(position, step);
        String newStatus = changes ? status : current.status();
        jdbc.sql("UPDATE deployments SET status = :status, history = :history, error = :error, updated_at = :now "
                        + "WHERE deployment_id = :id")
                .param("status", newStatus).param("history", json.write(history))
                .param("error", "failed".equals(newStatus) ? (changes ? detail : current.error()) : null)
                .param("now", EdgeRegistry.now()).param("id", deploymentId)
                .update();
        return changes;
    }

    private static int rank(String status) {
        int rank = LIFECYCLE.indexOf(status);
        return rank < 0 ? LIFECYCLE.size() : rank; // failed, or anything unknown, after every step
    }

    /** Deployments to agent edges still {@code dispatched} (no agent report) since before {@code cutoff}. */
    public List<String> unacknowledgedSince(OffsetDateTime cutoff) {
        return jdbc.sql("SELECT deployment_id FROM deployments WHERE status = 'dispatched' AND updated_at < :cutoff "
                        + "AND edge_id NOT IN (SELECT edge_id FROM edges WHERE transport = 'ssh')")
                .param("cutoff", cutoff).query(String.class).list();
    }

    /**
     * Deployments under way whose last status is from before {@code cutoff}; for SSH edges also those still queued
     * ({@code dispatched}), which wait their turn behind other SSH deploys rather than for an agent.
     */
    public List<String> stalledSince(OffsetDateTime cutoff) {
        return jdbc.sql("SELECT deployment_id FROM deployments WHERE updated_at < :cutoff AND (status IN ('pulling', "
                        + "'starting', 'running') OR status = 'dispatched' AND edge_id IN "
                        + "(SELECT edge_id FROM edges WHERE transport = 'ssh'))")
                .param("cutoff", cutoff).query(String.class).list();
    }

    /** The edge's newest healthy deployment other than {@code excluding}, if any. */
    public Optional<Deployment> lastHealthy(String edgeId, String excluding) {
        return jdbc.sql("SELECT * FROM deployments WHERE edge_id = :edge AND status = 'healthy' AND deployment_id <> :id "
                        + "ORDER BY created_at DESC LIMIT 1")
                .param("edge", edgeId).param("id", excluding == null ? "" : excluding)
                .query(this::map).optional();
    }

    public Optional<Deployment> find(String deploymentId) {
        return jdbc.sql("SELECT * FROM deployments WHERE deployment_id = :id").param("id", deploymentId)
                .query(this::map).optional();
    }

    /** Each edge's newest deployment (one edge's, if {@code edgeId} is given), by edge. */
    public List<Deployment> newestPerEdge(String edgeId) {
        return jdbc.sql("SELECT DISTINCT ON (edge_id) * FROM deployments WHERE (:edge IS NULL OR edge_id = :edge) "
                        + "ORDER BY edge_id, created_at DESC")
                .param("edge", edgeId, Types.VARCHAR).query(this::map).list();
    }

    public List<Deployment> forEdge(String edgeId) {
        return jdbc.sql("SELECT * FROM deployments WHERE edge_id = :edge ORDER BY created_at DESC").param("edge", edgeId)
                .query(this::map).list();
    }

    private Deployment map(ResultSet rs, int row) throws SQLException {
        try {
            return new Deployment(rs.getString("deployment_id"), rs.getString("edge_id"), rs.getString("venue_id"),
                    rs.getString("provider_id"), rs.getString("status"), rs.getString("error"),
                    json.tree(rs.getString("document")), json.read(rs.getString("history"), STEPS),
                    rs.getString("started_by"), rs.getObject("created_at", OffsetDateTime.class), rs.getObject("updated_at", OffsetDateTime.class));
        } catch (JsonProcessingException e) {
            throw new SQLException("deployment " + rs.getString("deployment_id") + " has unreadable JSON", e);
        }
    }
}
