package caravan.edge;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** The deployments table: each deployment's document and every status it went through, with its time. */
@Repository
public class DeploymentStore {

    public static final List<String> FINAL = List.of("healthy", "failed");

    public record Step(String status, OffsetDateTime at, String detail) {
    }

    public record Deployment(String deploymentId, String edgeId, String venueId, String providerId, String status,
            String error, JsonNode document, List<Step> history, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    }

    private static final TypeReference<List<Step>> STEPS = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final ObjectMapper mapper;

    public DeploymentStore(JdbcClient jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    public Deployment insertPending(JsonNode document) {
        OffsetDateTime now = EdgeRegistry.now();
        jdbc.sql("""
                INSERT INTO deployments (deployment_id, edge_id, venue_id, provider_id, document, status, history,
                    created_at, updated_at)
                VALUES (:id, :edge, :venue, :provider, :document, 'pending', :history, :now, :now)""")
                .param("id", document.get("deploymentId").asText())
                .param("edge", document.get("edgeId").asText())
                .param("venue", document.get("venueId").asText())
                .param("provider", document.get("provider").get("providerId").asText())
                .param("document", document.toString())
                .param("history", json(List.of(new Step("pending", now, null))))
                .param("now", now)
                .update();
        return find(document.get("deploymentId").asText()).orElseThrow();
    }

    /**
     * Records a status reported for a deployment. A finished deployment does not change again, and a repeat of the
     * current status (a QoS 1 redelivery) is ignored; returns whether the status was recorded. The row is locked, so
     * concurrent reports are applied one after the other.
     */
    @Transactional
    public boolean advance(String deploymentId, String status, String detail) {
        Optional<Deployment> current = jdbc.sql("SELECT * FROM deployments WHERE deployment_id = :id FOR UPDATE")
                .param("id", deploymentId).query(this::map).optional();
        if (current.isEmpty() || FINAL.contains(current.get().status()) || current.get().status().equals(status)) {
            return false;
        }
        OffsetDateTime now = EdgeRegistry.now();
        List<Step> history = new ArrayList<>(current.get().history());
        history.add(new Step(status, now, detail));
        jdbc.sql("UPDATE deployments SET status = :status, history = :history, error = :error, updated_at = :now "
                        + "WHERE deployment_id = :id")
                .param("status", status).param("history", json(history))
                .param("error", "failed".equals(status) ? detail : null).param("now", now).param("id", deploymentId)
                .update();
        return true;
    }

    /** Deployments still {@code dispatched} (no agent report) since before {@code cutoff}. */
    public List<String> unacknowledgedSince(OffsetDateTime cutoff) {
        return jdbc.sql("SELECT deployment_id FROM deployments WHERE status = 'dispatched' AND updated_at < :cutoff")
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

    public List<Deployment> forEdge(String edgeId) {
        return jdbc.sql("SELECT * FROM deployments WHERE edge_id = :edge ORDER BY created_at DESC").param("edge", edgeId)
                .query(this::map).list();
    }

    private Deployment map(ResultSet rs, int row) throws SQLException {
        try {
            return new Deployment(rs.getString("deployment_id"), rs.getString("edge_id"), rs.getString("venue_id"),
                    rs.getString("provider_id"), rs.getString("status"), rs.getString("error"),
                    mapper.readTree(rs.getString("document")), mapper.readValue(rs.getString("history"), STEPS),
                    rs.getObject("created_at", OffsetDateTime.class), rs.getObject("updated_at", OffsetDateTime.class));
        } catch (JsonProcessingException e) {
            throw new SQLException("deployment " + rs.getString("deployment_id") + " has unreadable JSON", e);
        }
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
