package caravan.acp;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.ProducerTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.api.InputRejectedException;
import caravan.api.NotFoundException;
import caravan.security.Actors;
import caravan.workload.Workloads;

/**
 * ACP runs: stored in {@code acp_runs}, carried out by the {@code acp-run} route (a content-based router on the
 * action), which records their outcome here; read back by id; cancelled on request.
 */
@Component
public class AcpRuns {

    static final String RUN_ID = "CaravanAcpRunId";
    static final String ACTION = "CaravanAcpAction";

    /** What {@link #create} made of a request: the run, and the action's input when the request held one. */
    public record Created(AcpRun run, String action, JsonNode input) {
    }

    private final JdbcClient jdbc;
    private final ObjectMapper mapper;
    private final ProducerTemplate producer;
    private final Workloads workloads;
    private final AcpProperties properties;

    public AcpRuns(JdbcClient jdbc, ObjectMapper mapper, ProducerTemplate producer, Workloads workloads,
            AcpProperties properties) {
        this.properties = properties;
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.producer = producer;
        this.workloads = workloads;
    }

    /**
     * Stores a new run, {@code created}. A request without one {@code application/json} part holding an object with
     * an {@code action} makes a run that fails at once with {@code invalid_input}.
     */
    public Created create(AcpRun.Request request, String mode, String actor) {
        String runId = UUID.randomUUID().toString();
        String action = null;
        JsonNode input = null;
        String problem = null;
        try {
            input = actionInput(request.messages());
            action = input.path("action").asText(null);
            if (action.length() > 64) {
                problem = "unknown action '" + action.substring(0, 64) + "…'";
                action = null;
            }
        } catch (InputRejectedException e) {
            problem = String.join("; ", e.problems());
        }
        jdbc.sql("INSERT INTO acp_runs (run_id, agent_name, mode, action, status, inputs, requested_by, created_at) "
                        + "VALUES (:id, :agent, :mode, :action, 'created', :inputs, :actor, :at)")
                .param("id", runId).param("agent", AcpManifest.AGENT).param("mode", mode).param("action", action)
                .param("inputs", input == null ? "null" : withoutSecrets(input).toString()).param("actor", actor)
                .param("at", now()).update();
        if (problem != null) {
            finish(runId, "failed", null, new AcpRun.Error("invalid_input", problem));
        }
        return new Created(run(runId), action, input);
    }

    /**
     * Carries the run out through the {@code acp-run} route, telling {@code events} as it goes: in progress, then
     * the output message and the outcome. Returns the run as it ended.
     */
    public AcpRun execute(Created created, String actor, Consumer<AcpRun.Event> events) {
        String runId = created.run().runId();
        if (!created.run().over()) {
            int started = jdbc.sql("UPDATE acp_runs SET status = 'in-progress' WHERE run_id = :id AND status = 'created'")
                    .param("id", runId).update();
            if (started == 0) {
                finish(runId, "cancelled", null, null); // cancelled before it started: nothing was done
                AcpRun cancelled = run(runId);
                events.accept(new AcpRun.Event("run.cancelled", cancelled, null, null));
                return cancelled;
            }
            events.accept(new AcpRun.Event("run.in-progress", run(runId), null, null));
            producer.sendBodyAndHeaders("direct:acp-run", created.input(),
                    Map.of(RUN_ID, runId, ACTION, created.action() == null ? "" : created.action(), Actors.HEADER, actor));
        }
        AcpRun run = run(runId);
        run.output().forEach(message -> {
            message.parts().forEach(part -> events.accept(new AcpRun.Event("message.part", null, part, null)));
            events.accept(new AcpRun.Event("message.completed", null, null, message));
        });
        events.accept(new AcpRun.Event("run." + run.status(), run, null, null));
        return run;
    }

    /** The route's last step: the action's output. */
    public void completed(String runId, Object output) {
        finish(runId, "completed", mapper.valueToTree(output), null);
    }

    /** The route's failure handler: invalid_input, not_found or server_error, or cancelled when that was asked. */
    public void failed(String runId, Exception cause) {
        if ("cancelling".equals(run(runId).status())) {
            finish(runId, "cancelled", null, null);
            return;
        }
        AcpRun.Error error = cause instanceof InputRejectedException rejected
                ? new AcpRun.Error("invalid_input", String.join("; ", rejected.problems()))
                : cause instanceof NotFoundException ? new AcpRun.Error("not_found", cause.getMessage())
                : new AcpRun.Error("server_error", cause.getMessage() == null ? cause.getClass().getSimpleName()
                        : cause.getMessage());
        finish(runId, "failed", null, error);
    }

    /** A deploy's workload, so that a cancel of the run can stop it. */
    public void attachWorkload(String runId, String workloadId) {
        jdbc.sql("UPDATE acp_runs SET workload_id = :workload WHERE run_id = :id").param("workload", workloadId)
                .param("id", runId).update();
    }

    public boolean cancelRequested(String runId) {
        return "cancelling".equals(run(runId).status());
    }

    /**
     * Asks a run under way to stop: a deploy stops at its next step, removing what it started, and the run ends
     * {@code cancelled}; one that ends first ends as it did.
     */
    public AcpRun cancel(String runId) {
        AcpRun run = run(runId);
        int asked = jdbc.sql("UPDATE acp_runs SET status = 'cancelling' WHERE run_id = :id "
                + "AND status IN ('created', 'in-progress')").param("id", runId).update();
        if (asked == 0) {
            throw new ConflictException("run " + runId + " is already " + run.status());
        }
        String workloadId = jdbc.sql("SELECT workload_id FROM acp_runs WHERE run_id = :id").param("id", runId)
                .query(String.class).optional().orElse(null);
        if (workloadId != null) {
            workloads.cancelDeploy(workloadId);
        }
        return run(runId);
    }

    /**
     * Runs whose hub stopped while carrying them out (nothing else leaves a run unfinished this long) fail, saying
     * so; a workload a deploy made deploys on. Returns how many.
     */
    public int failInterrupted() {
        Duration after = properties.deployTimeout().plusMinutes(2);
        return jdbc.sql("UPDATE acp_runs SET status = 'failed', error_code = 'server_error', error_message = :message, "
                        + "finished_at = :at WHERE status IN ('created', 'in-progress', 'cancelling') AND created_at < :before")
                .param("message", "the run was interrupted: the hub carrying it out stopped. A workload it created "
                        + "deploys on: find it with list_workloads, follow it with get_address")
                .param("at", now()).param("before", now().minus(after)).update();
    }

    public AcpRun run(String runId) {
        return jdbc.sql("SELECT * FROM acp_runs WHERE run_id = :id").param("id", runId).query(this::map).optional()
                .orElseThrow(() -> new NotFoundException("no run " + runId));
    }

    private void finish(String runId, String status, JsonNode output, AcpRun.Error error) {
        jdbc.sql("UPDATE acp_runs SET status = :status, output = :output, error_code = :code, error_message = :message, "
                        + "finished_at = :at WHERE run_id = :id")
                .param("status", status).param("output", output == null ? null : output.toString())
                .param("code", error == null ? null : error.code()).param("message", error == null ? null : error.message())
                .param("at", now()).param("id", runId).update();
    }

    /** The one application/json part of the one message, an object naming its action. */
    private JsonNode actionInput(List<AcpRun.Message> messages) {
        List<AcpRun.Part> parts = messages == null ? List.of() : messages.stream()
                .flatMap(message -> message.parts() == null ? Stream.empty() : message.parts().stream())
                .filter(part -> part != null && "application/json".equals(part.contentType())).toList();
        if (parts.size() != 1) {
            throw new InputRejectedException(List.of("inputs must hold one part of content_type application/json, "
                    + "found " + parts.size()));
        }
        try {
            JsonNode input = mapper.readTree(parts.get(0).content() == null ? "" : parts.get(0).content());
            if (input == null || !input.isObject() || !input.path("action").isTextual()) {
                throw new InputRejectedException(List.of("the part's content must be a JSON object with an action"));
            }
            return input;
        } catch (JsonProcessingException e) {
            throw new InputRejectedException(List.of("the part's content is not JSON: " + e.getOriginalMessage()));
        }
    }

    /** The input as it may be stored: secret values left out. */
    private static JsonNode withoutSecrets(JsonNode input) {
        ObjectNode stored = input.deepCopy();
        JsonNode secrets = stored.path("secret_env");
        if (secrets.isObject()) {
            secrets.fieldNames().forEachRemaining(name -> ((ObjectNode) secrets).put(name, "<secret>"));
        }
        return stored;
    }

    private AcpRun map(ResultSet rs, int row) throws SQLException {
        JsonNode output;
        try {
            output = rs.getString("output") == null ? null : mapper.readTree(rs.getString("output"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("run " + rs.getString("run_id") + " has unreadable output", e);
        }
        List<AcpRun.Message> messages = AcpRun.outputOf(rs.getString("agent_name"), output);
        String code = rs.getString("error_code");
        return new AcpRun(rs.getString("agent_name"), rs.getString("run_id"), rs.getString("status"), messages, messages,
                code == null ? null : new AcpRun.Error(code, rs.getString("error_message")),
                rs.getObject("created_at", OffsetDateTime.class), rs.getObject("finished_at", OffsetDateTime.class));
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
}
