package caravan.workload;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import caravan.alert.Alert;
import caravan.api.ConflictException;
import caravan.deploy.HealthProbe;
import caravan.edge.EdgeRegistry;
import caravan.workload.Workload.HealthCheck;

/**
 * Workloads' health checks, run by the {@code workload-health-checks} route where the workload runs
 * ({@link WorkloadTarget#probe}: an edge's agent on the edge; the hub against a cloud target's or an agentless edge's
 * address, or in the container through the engine's API or over SSH), its outcome stored in {@code health_checks},
 * the workload's health summarised, and an alert when it turns unhealthy.
 */
@Component
public class WorkloadHealth {

    /** One check's outcome, as stored and answered. */
    public record HealthCheckResult(String workloadId, OffsetDateTime checkedAt, boolean healthy, long responseTimeMs,
            String detail) {
    }

    /** What a check did: its result, the workload after it, and the alert it raised, if it turned unhealthy. */
    public record CheckOutcome(HealthCheckResult check, Workload workload, Alert alert) {
    }

    /** The workload's health and its recent checks, newest first. */
    public record HealthHistory(String workloadId, String name, String health, OffsetDateTime healthSince,
            HealthCheck healthCheck, List<HealthCheckResult> checks) {
    }

    private static final List<String> HEALTH_STATES = List.of("healthy", "unhealthy", "unknown");

    private final JdbcClient jdbc;
    private final WorkloadStore store;
    private final WorkloadTargets targets;
    private final WorkloadProperties properties;
    private final MeterRegistry meters;
    private final EdgeRegistry edges;
    private final Map<String, AtomicLong> workloadsByHealth = new ConcurrentHashMap<>();

    public WorkloadHealth(JdbcClient jdbc, WorkloadStore store, WorkloadTargets targets, WorkloadProperties properties,
            MeterRegistry meters, EdgeRegistry edges) {
        this.edges = edges;
        this.jdbc = jdbc;
        this.store = store;
        this.targets = targets;
        this.properties = properties;
        this.meters = meters;
        for (String health : HEALTH_STATES) {
            AtomicLong count = new AtomicLong();
            workloadsByHealth.put(health, count);
            Gauge.builder("caravan.workloads", count, AtomicLong::get).tag("health", health)
                    .description("running workloads with a health check, by health").register(meters);
        }
    }

    /** Running workloads with a check that is due; counts them by health for the gauges on the way. */
    public List<String> due() {
        Map<String, Long> counts = jdbc.sql("SELECT health, COUNT(*) AS n FROM workloads WHERE health_check IS NOT NULL "
                        + "AND status = 'running' GROUP BY health")
                .query((rs, row) -> Map.entry(rs.getString("health"), rs.getLong("n"))).list().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        HEALTH_STATES.forEach(health -> workloadsByHealth.get(health).set(counts.getOrDefault(health, 0L)));
        return jdbc.sql("SELECT workload_id FROM workloads WHERE health_check IS NOT NULL AND status = 'running' "
                        + "AND (next_check_at IS NULL OR next_check_at <= :now) ORDER BY next_check_at")
                .param("now", WorkloadStore.now()).query(String.class).list();
    }

    /**
     * Runs the workload's check if this hub is the one to move its next check on (hubs sharing the database each see
     * it due; one claims it); null when another hub did.
     */
    public CheckOutcome check(String workloadId) throws InterruptedException {
        Workload workload = store.get(workloadId);
        OffsetDateTime now = WorkloadStore.now();
        int claimed = jdbc.sql("UPDATE workloads SET next_check_at = :next WHERE workload_id = :id "
                        + "AND (next_check_at IS NULL OR next_check_at <= :now)")
                .param("next", now.plusSeconds(workload.healthCheck().intervalSeconds())).param("now", now)
                .param("id", workloadId).update();
        return claimed == 0 ? null : checkNow(workload);
    }

    /** Runs the workload's check now, whatever its schedule, and records it. */
    public CheckOutcome checkNow(String workloadId) throws InterruptedException {
        HerProviders.refuse(workloadId);
        Workload workload = store.get(workloadId);
        if (workload.healthCheck() == null) {
            throw new ConflictException("workload " + workload.name() + " has no health check");
        }
        return checkNow(workload);
    }

    private CheckOutcome checkNow(Workload workload) throws InterruptedException {
        HealthCheck check = workload.healthCheck();
        Integer hostPort = workload.ports().stream().filter(port -> port.containerPort().equals(check.port()))
                .map(Workload.Port::hostPort).findFirst().orElse(null);
        HealthProbe.Result probed;
        try {
            probed = targets.of(workload).probe(check.probe(), workload.container(), hostPort);
        } catch (RuntimeException e) {
            probed = new HealthProbe.Result(false, 0, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        HealthCheckResult result = new HealthCheckResult(workload.workloadId(), WorkloadStore.now(), probed.healthy(),
                probed.responseTimeMs(), probed.detail());
        Timer.builder("caravan.workloads.health.checks").description("health checks and their response times")
                .tag("workload", workload.name())
                .tag("target", workload.cloudTarget() != null ? workload.cloudTarget() : workload.deviceId())
                .tag("healthy", Boolean.toString(result.healthy()))
                .register(meters).record(result.responseTimeMs(), TimeUnit.MILLISECONDS);
        jdbc.sql("INSERT INTO health_checks (workload_id, checked_at, healthy, response_time_ms, detail) "
                        + "VALUES (:id, :at, :healthy, :ms, :detail)")
                .param("id", workload.workloadId()).param("at", result.checkedAt()).param("healthy", result.healthy())
                .param("ms", result.responseTimeMs()).param("detail", result.detail()).update();
        Alert alert = summarise(workload, result);
        return new CheckOutcome(result, store.get(workload.workloadId()), alert);
    }

    /** Healthy at once after a passing check; unhealthy after {@code retries} failures in a row, raising the alert. */
    private Alert summarise(Workload workload, HealthCheckResult result) {
        int failures = result.healthy() ? 0 : jdbc.sql("SELECT health_failures FROM workloads WHERE workload_id = :id")
                .param("id", workload.workloadId()).query(Integer.class).single() + 1;
        boolean unhealthy = failures >= workload.healthCheck().retries();
        String health = result.healthy() ? "healthy" : unhealthy ? "unhealthy" : workload.health();
        boolean changed = !health.equals(workload.health());
        jdbc.sql("UPDATE workloads SET health = :health, health_failures = :failures, "
                        + "health_since = CASE WHEN :changed THEN :at ELSE health_since END WHERE workload_id = :id")
                .param("health", health).param("failures", failures).param("changed", changed)
                .param("at", result.checkedAt()).param("id", workload.workloadId()).update();
        if (!(changed && unhealthy)) {
            return null;
        }
        String venueId = workload.deviceId() == null ? null
                : edges.edge(workload.deviceId()).map(EdgeRegistry.Edge::venueId).orElse(null);
        return new Alert(UUID.randomUUID().toString(), "workload-unhealthy", "workload-unhealthy", "critical", venueId,
                workload.deviceId(), workload.workloadId(), null, null,
                "workload " + workload.name() + " on " + workload.where() + " is unhealthy: " + failures
                        + " failed " + workload.healthCheck().type() + " checks in a row, the last: " + result.detail(),
                null, null, Instant.now(), null);
    }

    /** The workload's health and its latest {@code limit} checks. */
    public HealthHistory history(String workloadId, Integer limit) {
        HerProviders.refuse(workloadId);
        Workload workload = store.get(workloadId);
        List<HealthCheckResult> checks = jdbc.sql("SELECT * FROM health_checks WHERE workload_id = :id "
                        + "ORDER BY checked_at DESC, check_id DESC LIMIT :limit")
                .param("id", workloadId).param("limit", limit == null ? 50 : Math.max(1, Math.min(limit, 1000)))
                .query(WorkloadHealth::map).list();
        return new HealthHistory(workloadId, workload.name(), workload.health(), workload.healthSince(),
                workload.healthCheck(), checks);
    }

    /** Forgets results older than {@code caravan.workloads.health-retention}; returns how many. */
    public int prune() {
        return jdbc.sql("DELETE FROM health_checks WHERE checked_at < :before")
                .param("before", WorkloadStore.now().minus(properties.healthRetention())).update();
    }

    private static HealthCheckResult map(ResultSet rs, int row) throws SQLException {
        return new HealthCheckResult(rs.getString("workload_id"), rs.getObject("checked_at", OffsetDateTime.class),
                rs.getBoolean("healthy"), rs.getLong("response_time_ms"), rs.getString("detail"));
    }
}
