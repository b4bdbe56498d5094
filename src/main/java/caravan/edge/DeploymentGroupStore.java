package caravan.edge;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import caravan.edge.EdgeRequests.EdgeValues;
import caravan.store.JsonColumns;

/** The deployment_groups table: a group's request, its edges in rollout order with their deployments, its status. */
@Repository
public class DeploymentGroupStore {

    /** One edge of a group, in rollout order; {@code deploymentId} is set once its wave starts. */
    public record Member(String edgeId, String deploymentId) {
    }

    /**
     * What a group's deployments are planned with: the broker and venue if given, a model's parameters, each edge's
     * own values.
     */
    public record GroupPlan(String mqttBrokerUrl, String venueId, ObjectNode parameters, Map<String, EdgeValues> values) {
    }

    /** A group as stored: of a provider or of a model. */
    public record StoredGroup(String groupId, String providerId, String modelId, String status, int waveSize, int maxFailures,
            OffsetDateTime notBefore, String stoppedReason, GroupPlan plan, List<Member> edges, String startedBy,
            OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    }

    private static final TypeReference<List<Member>> MEMBERS = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonColumns json;

    public DeploymentGroupStore(JdbcClient jdbc, JsonColumns json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void insert(String groupId, String providerId, String modelId, int waveSize, int maxFailures, OffsetDateTime notBefore,
            GroupPlan plan, List<Member> edges, String startedBy) {
        OffsetDateTime now = EdgeRegistry.now();
        jdbc.sql("""
                INSERT INTO deployment_groups (group_id, provider_id, model_id, status, wave_size, max_failures, not_before,
                    request, edges, started_by, created_at, updated_at)
                VALUES (:id, :provider, :model, 'scheduled', :wave, :maxFailures, :notBefore, :request, :edges, :startedBy,
                    :now, :now)""")
                .param("id", groupId).param("provider", providerId).param("model", modelId).param("wave", waveSize)
                .param("maxFailures", maxFailures).param("notBefore", notBefore).param("request", json.write(plan))
                .param("edges", json.write(edges)).param("startedBy", startedBy).param("now", now).update();
    }

    /** The groups due to move on, oldest first, row-locked until the caller's transaction ends. */
    public List<String> lockDue() {
        return jdbc.sql("SELECT group_id FROM deployment_groups WHERE status IN ('scheduled', 'rolling') "
                        + "AND not_before <= :now ORDER BY created_at FOR UPDATE")
                .param("now", EdgeRegistry.now()).query(String.class).list();
    }

    public Optional<StoredGroup> find(String groupId) {
        return jdbc.sql("SELECT * FROM deployment_groups WHERE group_id = :id").param("id", groupId)
                .query(this::map).optional();
    }

    /** A wave started: the group is rolling, its edges with their new deployments. */
    public void startWave(String groupId, List<Member> edges) {
        jdbc.sql("UPDATE deployment_groups SET status = 'rolling', edges = :edges, updated_at = :now WHERE group_id = :id")
                .param("edges", json.write(edges)).param("now", EdgeRegistry.now()).param("id", groupId).update();
    }

    public void finish(String groupId, String status, String reason) {
        jdbc.sql("UPDATE deployment_groups SET status = :status, stopped_reason = :reason, updated_at = :now "
                        + "WHERE group_id = :id")
                .param("status", status).param("reason", reason).param("now", EdgeRegistry.now()).param("id", groupId)
                .update();
    }

    private StoredGroup map(ResultSet rs, int row) throws SQLException {
        try {
            return new StoredGroup(rs.getString("group_id"), rs.getString("provider_id"), rs.getString("model_id"),
                    rs.getString("status"),
                    rs.getInt("wave_size"), rs.getInt("max_failures"), rs.getObject("not_before", OffsetDateTime.class),
                    rs.getString("stopped_reason"), json.read(rs.getString("request"), GroupPlan.class),
                    json.read(rs.getString("edges"), MEMBERS), rs.getString("started_by"),
                    rs.getObject("created_at", OffsetDateTime.class),
                    rs.getObject("updated_at", OffsetDateTime.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored deployment group " + rs.getString("group_id") + " is not JSON", e);
        }
    }
}
