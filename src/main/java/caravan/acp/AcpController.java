package caravan.acp;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.CamelContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import caravan.api.ConflictException;
import caravan.api.NotFoundException;
import caravan.security.Actors;

/**
 * The Agent Communication Protocol's REST side under {@code /acp}: the agent's manifest, runs in the sync, async and
 * stream modes, reading and cancelling them. Spring MVC, as a streamed run answers as Server-Sent Events (as the
 * device stream does); the run itself is the {@code acp-run} route's.
 */
@RestController
@RequestMapping("/acp")
public class AcpController {

    private static final List<String> MODES = List.of("sync", "async", "stream");

    private final AcpManifest manifest;
    private final AcpRuns runs;
    private final AcpProperties properties;
    private final ExecutorService executor;

    public AcpController(AcpManifest manifest, AcpRuns runs, AcpProperties properties, CamelContext camel) {
        this.manifest = manifest;
        this.runs = runs;
        this.properties = properties;
        this.executor = camel.getExecutorServiceManager().newCachedThreadPool(this, "acp-runs");
    }

    @GetMapping("/agents")
    public Map<String, Object> agents() {
        return Map.of("agents", List.of(manifest.manifest()));
    }

    @GetMapping("/agents/{name}")
    public JsonNode agent(@PathVariable String name) {
        requireAgent(name);
        return manifest.manifest();
    }

    @PostMapping("/runs")
    public Object create(@RequestBody AcpRun.Request request) {
        requireAgent(request.agentName());
        String mode = request.mode() == null ? "sync" : request.mode();
        if (!MODES.contains(mode)) {
            return error(HttpStatus.BAD_REQUEST, "invalid_input", "mode must be one of " + MODES);
        }
        String actor = Actors.currentOr("unknown");
        AcpRuns.Created created = runs.create(request, mode, actor);
        return switch (mode) {
            case "sync" -> ResponseEntity.ok(runs.execute(created, actor, event -> { }));
            case "async" -> {
                executor.execute(() -> runs.execute(created, actor, event -> { }));
                yield ResponseEntity.status(HttpStatus.ACCEPTED).body(created.run());
            }
            default -> stream(created, actor);
        };
    }

    @GetMapping("/runs/{runId}")
    public AcpRun run(@PathVariable String runId) {
        return runs.run(runId);
    }

    @PostMapping("/runs/{runId}/cancel")
    public ResponseEntity<AcpRun> cancel(@PathVariable String runId) {
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(runs.cancel(runId));
    }

    /** run.created, run.in-progress, the output's message.part and message.completed, then the run's end. */
    private SseEmitter stream(AcpRuns.Created created, String actor) {
        SseEmitter emitter = new SseEmitter(properties.deployTimeout().plusMinutes(1).toMillis());
        executor.submit(() -> {
            try {
                send(emitter, new AcpRun.Event("run.created", created.run(), null, null));
                runs.execute(created, actor, event -> send(emitter, event));
                emitter.complete();
            } catch (RuntimeException e) {
                emitter.completeWithError(e);
            }
        });
        return emitter;
    }

    private static void send(SseEmitter emitter, AcpRun.Event event) {
        try {
            emitter.send(SseEmitter.event().name(event.type()).data(event, MediaType.APPLICATION_JSON));
        } catch (IOException | IllegalStateException e) {
            // the client went away or the emitter timed out; the run goes on and can be read back by its id
        }
    }

    private void requireAgent(String name) {
        if (!AcpManifest.AGENT.equals(name)) {
            throw new NotFoundException("no agent '" + name + "'; this hub serves " + AcpManifest.AGENT);
        }
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<AcpRun.Error> notFound(NotFoundException e) {
        return error(HttpStatus.NOT_FOUND, "not_found", e.getMessage());
    }

    @ExceptionHandler(ConflictException.class)
    ResponseEntity<AcpRun.Error> conflict(ConflictException e) {
        return error(HttpStatus.CONFLICT, "invalid_input", e.getMessage());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<AcpRun.Error> unreadable(HttpMessageNotReadableException e) {
        return error(HttpStatus.BAD_REQUEST, "invalid_input", "the body is not a run request: "
                + e.getMostSpecificCause().getMessage());
    }

    private static ResponseEntity<AcpRun.Error> error(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).body(new AcpRun.Error(code, message));
    }
}
