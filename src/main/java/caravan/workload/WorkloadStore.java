package caravan.workload;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.api.NotFoundException;
import caravan.store.JsonColumns;
import caravan.workload.Workload.HealthCheck;
import caravan.workload.Workload.Port;
import caravan.workload.Workload.Resources;

/** The {@code workloads} table. Secret values are stored as the caller gives them here: already encrypted. */
@Component
public class WorkloadStore {

    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() { };
    private static final TypeReference<List<Port>> PORTS = new TypeReference<>() { };
    private static final TypeReference<HealthCheck> HEALTH_CHECK = new TypeReference<>() { };
    private static final String COLUMNS = "workload_id, name, target, target_name, image, pinned_image, env, secret_env, "
            + "resources, network, ports, labels, health_check, status, detail, address, container_id, health, health_since, "
            + "created_by, created_at, updated_at, deploy_attempt";

    private final JdbcClient jdbc;
    private final JsonColumns json;

    public WorkloadStore(JdbcClient jdbc, JsonColumns json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** Stores a new workload, {@code pending}; a name already used on the same device or target is a conflict. */
    void insert(Workload workload, Map<String, String> sealedSecrets) {
        try {
            jdbc.sql("INSERT INTO workloads (" + COLUMNS + ") VALUES (:id, :name, :target, :targetName, :image, :pinned, "
                            + ":env, :secrets, :resources, :network, :ports, :labels, :healthCheck, :status, NULL, NULL, NULL, "
                            + "'unknown', NULL, :by, :at, :at, 0)")
                    .param("id", workload.workloadId()).param("name", workload.name()).param("target", workload.target())
                    .param("targetName", targetName(workload)).param("image", workload.image())
                    .param("pinned", workload.pinnedImage()).param("env", json.write(workload.env()))
                    .param("secrets", json.write(sealedSecrets)).param("resources", json.write(workload.resources()))
                    .param("network", workload.network()).param("ports", json.write(workload.ports()))
                    .param("labels", json.write(workload.labels()))
                    .param("healthCheck", workload.healthCheck() == null ? null : json.write(workload.healthCheck())).param("status", workload.status())
                    .param("by", workload.createdBy()).param("at", workload.createdAt())
                    .update();
        } catch (DuplicateKeyException e) {
            throw new ConflictException("a workload named " + workload.name() + " already exists on "
                    + workload.where());
        }
    }

    public Workload get(String workloadId) {
        return find(workloadId).orElseThrow(() -> new NotFoundException("no workload " + workloadId));
    }

    public Optional<Workload> find(String workloadId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM workloads WHERE workload_id = :id").param("id", workloadId)
                .query(this::map).optional();
    }

    /** All workloads, or those of one device; by name. */
    public List<Workload> list(String deviceId) {
        if (deviceId == null) {
            return jdbc.sql("SELECT " + COLUMNS + " FROM workloads ORDER BY target, target_name, name").query(this::map)
                    .list();
        }
        return jdbc.sql("SELECT " + COLUMNS + " FROM workloads WHERE target = 'edge' AND target_name = :device "
                        + "ORDER BY name")
                .param("device", deviceId).query(this::map).list();
    }

    /** The secret values as stored (encrypted), by name. */
    Map<String, String> sealedSecrets(String workloadId) {
        String stored = jdbc.sql("SELECT secret_env FROM workloads WHERE workload_id = :id").param("id", workloadId)
                .query(String.class).single();
        return read(stored, STRINGS);
    }

    void status(String workloadId, String status, String detail) {
        jdbc.sql("UPDATE workloads SET status = :status, detail = :detail, updated_at = :at WHERE workload_id = :id")
                .param("status", status).param("detail", detail).param("at", now()).param("id", workloadId).update();
    }

    /**
     * Moves deploy {@code attempt} on to {@code status}, unless it was asked to stop or a later attempt took it over;
     * false if either.
     */
    boolean advance(String workloadId, int attempt, String status, String detail) {
        return jdbc.sql("UPDATE workloads SET status = :status, detail = :detail, updated_at = :at "
                        + "WHERE workload_id = :id AND deploy_attempt = :attempt AND status <> 'cancelling'")
                .param("status", status).param("detail", detail).param("at", now()).param("id", workloadId)
                .param("attempt", attempt).update() == 1;
    }

    /**
     * Deploys no hub has moved on since {@code before}: they are set back to {@code pending} (cancels to
     * {@code cancelling}) with {@code detail}, each claimed by one hub; returns their ids.
     */
    List<String> claimInterrupted(List<String> statuses, OffsetDateTime before, String detail) {
        return jdbc.sql("UPDATE workloads SET status = CASE WHEN status = 'cancelling' THEN 'cancelling' ELSE 'pending' END, "
                        + "detail = :detail, updated_at = :at, deploy_attempt = deploy_attempt + 1 "
                        + "WHERE status IN (:statuses) AND updated_at < :before RETURNING workload_id")
                .param("detail", detail).param("at", now()).param("statuses", statuses).param("before", before)
                .query(String.class).list();
    }

    /** Asks the deploy under way to stop at its next step; false if there is none. */
    boolean requestCancel(String workloadId) {
        return jdbc.sql("UPDATE workloads SET status = 'cancelling', detail = 'cancel requested', updated_at = :at "
                        + "WHERE workload_id = :id AND status IN ('pending', 'pulling', 'starting')")
                .param("at", now()).param("id", workloadId).update() == 1;
    }

    void started(String workloadId, int attempt, String containerId, String address) {
        jdbc.sql("UPDATE workloads SET container_id = :container, address = :address, updated_at = :at "
                        + "WHERE workload_id = :id AND deploy_attempt = :attempt")
                .param("container", containerId).param("address", address).param("at", now()).param("id", workloadId)
                .param("attempt", attempt).update();
    }

    void delete(String workloadId) {
        jdbc.sql("DELETE FROM workloads WHERE workload_id = :id").param("id", workloadId).update();
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    private static String targetName(Workload workload) {
        return "cloud".equals(workload.target()) ? workload.cloudTarget() : workload.deviceId();
    }

    private Workload map(ResultSet rs, int row) throws SQLException {
        boolean cloud = "cloud".equals(rs.getString("target"));
        String targetName = rs.getString("target_name");
        return new Workload(rs.getString("workload_id"), rs.getString("name"), rs.getString("target"),
                cloud ? null : targetName, cloud ? targetName : null, rs.getString("image"),
                rs.getString("pinned_image"), read(rs.getString("env"), STRINGS),
                read(rs.getString("secret_env"), STRINGS).keySet().stream().sorted().toList(),
                read(rs.getString("resources"), new TypeReference<Resources>() { }), rs.getString("network"),
                read(rs.getString("ports"), PORTS), read(rs.getString("labels"), STRINGS),
                rs.getString("health_check") == null ? null : read(rs.getString("health_check"), HEALTH_CHECK),
                rs.getString("status"), rs.getString("detail"), rs.getString("address"), rs.getString("container_id"),
                rs.getString("health"), rs.getObject("health_since", OffsetDateTime.class), rs.getString("created_by"),
                rs.getObject("created_at", OffsetDateTime.class), rs.getObject("updated_at", OffsetDateTime.class),
                Workload.CONTAINER, rs.getInt("deploy_attempt"));
    }

    private <T> T read(String stored, TypeReference<T> type) {
        try {
            return json.read(stored, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a workload's stored JSON is unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
