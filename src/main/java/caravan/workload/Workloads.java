package caravan.workload;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.api.InputRejectedException;
import caravan.api.Problems;
import caravan.api.TargetFailedException;
import caravan.deploy.AgentCommand;
import caravan.deploy.AgentCommand.RegistryAuth;
import caravan.deploy.ContainerRuntime;
import caravan.deploy.ContainerRuntime.ContainerSpec;
import caravan.deploy.ContainerRuntime.ContainerState;
import caravan.deploy.ContainerRuntime.PortMapping;
import caravan.deploy.DeploySteps;
import caravan.docker.RegistryDigests;
import caravan.docker.RegistryProperties;
import caravan.secrets.SecretBox;
import caravan.workload.Workload.HealthCheck;
import caravan.workload.Workload.Port;
import caravan.workload.Workload.Request;
import caravan.workload.Workload.Resources;

/**
 * Workloads: what the REST API and the {@code workload-deploy} route call. A workload is stored before anything is
 * touched, and every step moves its status, so a failure leaves it {@code failed} with the reason.
 */
@Component
public class Workloads {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Resources DEFAULT_RESOURCES = new Resources(1.0, "512m", 512L);

    private final WorkloadStore store;
    private final WorkloadTargets targets;
    private final RegistryDigests digests;
    private final RegistryProperties registry;
    private final SecretBox secrets;
    private final WorkloadProperties properties;
    private final HerProviders herProviders;

    public Workloads(WorkloadStore store, WorkloadTargets targets, RegistryDigests digests,
            RegistryProperties registry, SecretBox secrets, WorkloadProperties properties, HerProviders herProviders) {
        this.herProviders = herProviders;
        this.properties = properties;
        this.store = store;
        this.targets = targets;
        this.digests = digests;
        this.registry = registry;
        this.secrets = secrets;
    }

    /** Validates and stores the workload, {@code pending}, its image pinned to the digest its registry serves now. */
    public Workload create(Request request, String actor) {
        Problems problems = new Problems();
        String name = problems.required(request.name(), "name");
        problems.check(name == null || NAME.matcher(name).matches(), "name '" + name + "' must be lowercase letters, "
                + "digits and dashes, starting with a letter or digit, at most 63 characters");
        String target = request.target() == null ? null : request.target().trim();
        problems.check("cloud".equals(target) || "edge".equals(target), "target must be edge or cloud");
        targets.check(target, request.deviceId(), request.cloudTarget(), problems);
        String image = problems.required(request.image(), "image");
        Map<String, String> env = request.env() == null ? Map.of() : new TreeMap<>(request.env());
        Map<String, String> secretEnv = request.secretEnv() == null ? Map.of() : new TreeMap<>(request.secretEnv());
        env.forEach((key, value) -> checkEnv(key, value, "env", problems));
        secretEnv.forEach((key, value) -> {
            checkEnv(key, value, "secretEnv", problems);
            problems.check(!env.containsKey(key), key + " is in both env and secretEnv");
        });
        problems.check(request.network() == null || request.network().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"),
                "network must be a Docker network name (letters, digits, _ . -, at most 64 characters)");
        Resources resources = resources(request.resources(), problems);
        if ("edge".equals(target)) {
            targets.checkCapabilities(request.deviceId(), resources, problems);
        }
        List<Port> ports = ports(request.ports(), problems);
        HealthCheck healthCheck = healthCheck(request.healthCheck(), ports, problems);
        String pinned = null;
        if (image != null && !image.isBlank()) {
            try {
                pinned = AgentCommand.repository(image) + "@" + digests.resolve(image.trim());
            } catch (RegistryDigests.DigestUnavailableException e) {
                problems.add(e.getMessage());
            }
        }
        problems.rejectIfAny();
        String workloadId = UUID.randomUUID().toString();
        Map<String, String> sealed = new TreeMap<>();
        secretEnv.forEach((key, value) -> sealed.put(key, secrets.encrypt(value, secretContext(workloadId, key))));
        var now = WorkloadStore.now();
        Workload workload = new Workload(workloadId, name, target, request.deviceId(), request.cloudTarget(),
                image.trim(), pinned, env, List.copyOf(secretEnv.keySet()), resources,
                request.network() == null || request.network().isBlank() ? "bridge" : request.network().trim(), ports,
                request.labels() == null ? Map.of() : new TreeMap<>(request.labels()), healthCheck, "pending", null,
                null, null, "unknown", null, actor, now, now, Workload.CONTAINER, 0);
        store.insert(workload, sealed);
        return store.get(workloadId);
    }

    public Workload workload(String workloadId) {
        return herProviders.find(workloadId).orElseGet(() -> store.get(workloadId));
    }

    /** The workloads of every target, or of the edge {@code deviceId}: its HER provider with them. */
    public List<Workload> list(String deviceId) {
        String edge = deviceId == null || deviceId.isBlank() ? null : deviceId;
        List<Workload> all = new ArrayList<>(herProviders.list(edge));
        all.addAll(store.list(edge));
        return all;
    }

    /** Deploy step: the target can hold what the workload asks for; nothing is touched yet. */
    public void checkCapacity(String workloadId) {
        Workload workload = operable(workloadId);
        target(workload).checkCapacity(spec(workload));
    }

    /** Deploy step: the image is pulled, with the registry's credentials when it is the hub's registry. */
    public void pull(String workloadId, int attempt) throws InterruptedException {
        Workload workload = operable(workloadId);
        advance(workloadId, attempt, "pulling", "pulling " + workload.pinnedImage());
        target(workload).pull(workload.pinnedImage(), registryAuth(workload.pinnedImage()));
    }

    /** Deploy step: the container is made and started, replacing an earlier one of this workload. */
    public void start(String workloadId, int attempt) {
        Workload workload = operable(workloadId);
        advance(workloadId, attempt, "starting", "starting " + workload.container() + " on " + workload.where());
        WorkloadTarget target = target(workload);
        String containerId = target.replace(spec(workload));
        store.started(workloadId, attempt, containerId, address(workload, target));
    }

    /** Deploy step, after the settle window: running, without restarts. */
    public Workload verifyRunning(String workloadId, int attempt) throws InterruptedException {
        Workload workload = operable(workloadId);
        WorkloadTarget target = target(workload);
        ContainerState state = target.state(workload.container()).orElseThrow(() ->
                new IllegalStateException("container " + workload.container() + " disappeared after it started"));
        if (!state.running() || state.restartCount() > 0) {
            String logs = target.logs(workload.container(), 5).strip();
            throw new IllegalStateException("container " + workload.container() + " is " + state.status()
                    + (state.exitCode() == null || state.running() ? "" : " (exit code " + state.exitCode() + ")")
                    + (state.restartCount() > 0 ? ", restarted " + state.restartCount() + " times" : "")
                    + (logs.isEmpty() ? "" : "; last output: " + logs.replace("\n", " | ")));
        }
        advance(workloadId, attempt, "running", "running on " + workload.where());
        return operable(workloadId);
    }

    /**
     * Asks a deploy under way to stop: it does at its next step, removing a container it started, and the workload
     * ends {@code cancelled}. False when no deploy of it is under way.
     */
    public boolean cancelDeploy(String workloadId) {
        operable(workloadId);
        return store.requestCancel(workloadId);
    }

    private void advance(String workloadId, int attempt, String status, String detail) {
        if (!store.advance(workloadId, attempt, status, detail)) {
            throw new DeployCancelledException();
        }
    }

    /**
     * The deploy failed: the workload is {@code failed} with the reason. A container that was started is stopped, so
     * it does not crash-loop, and kept for its logs.
     */
    public void failed(String workloadId, int attempt, Exception cause) {
        Workload workload = store.find(workloadId).orElse(null);
        if (workload == null || workload.deployAttempt() != attempt) {
            return; // deleted while its deploy was stuck, or a later attempt took it over: nothing to record here
        }
        if ("cancelling".equals(workload.status())) {
            try {
                removeOwn(target(workload), workload);
                store.status(workloadId, "cancelled", "cancelled by request before it ran; "
                        + (workload.containerId() == null ? "nothing was started" : "its container was removed"));
            } catch (RuntimeException e) {
                store.status(workloadId, "failed", "cancelled by request, but its container could not be removed: "
                        + e.getMessage());
            }
            return;
        }
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (workload.containerId() != null) {
            try {
                target(workload).stop(workload.container());
                reason += "; its container was stopped, kept for its logs";
            } catch (RuntimeException e) {
                reason += "; its container could not be stopped: " + e.getMessage();
            }
        }
        store.status(workloadId, "failed", reason);
    }

    /**
     * Deploys a hub stopped in the middle of (killed, or restarted): one with no step for longer than any step takes
     * starts over (each step may be taken again: the pull, the replacement of its own container), a cancel under way
     * is finished, and one queued on a hub that stopped before starting it is started after
     * {@code caravan.workloads.pending-timeout}. Each is claimed by one hub. Returns them, for the deploy route.
     */
    public List<Workload> resumeInterrupted() {
        OffsetDateTime now = WorkloadStore.now();
        List<String> resumed = new ArrayList<>(store.claimInterrupted(List.of("pulling", "starting", "cancelling"),
                now.minus(properties.longestStep()), "resumed: the hub deploying it stopped before it ran"));
        resumed.addAll(store.claimInterrupted(List.of("pending"), now.minus(properties.pendingTimeout()),
                "resumed: it was queued on a hub that stopped before starting it"));
        return resumed.stream().map(store::get).toList();
    }

    /** {@code stop}, {@code start} or {@code restart}, carried out on the target before it is recorded. */
    public Workload control(String workloadId, String action) {
        Workload workload = operable(workloadId);
        WorkloadTarget target = target(workload);
        requireContainer(workload, target);
        onTarget(workload, action, () -> {
            switch (action) {
                case "stop" -> target.stop(workload.container());
                case "start" -> target.start(workload.container());
                case "restart" -> target.restart(workload.container());
                default -> throw new InputRejectedException(List.of("action must be stop, start or restart"));
            }
            return null;
        });
        store.status(workloadId, "stop".equals(action) ? "stopped" : "running", action + " by request");
        return operable(workloadId);
    }

    /** Removes the container, then the record; answers the workload as it was, {@code deleted}. */
    public Workload delete(String workloadId) {
        Workload workload = operable(workloadId);
        if (List.of("pending", "pulling", "starting", "cancelling").contains(workload.status())
                && workload.updatedAt().isAfter(WorkloadStore.now().minus(properties.pullTimeout()))) {
            throw new ConflictException("workload " + workload.name() + " is being deployed (" + workload.status()
                    + "); cancel it or wait for it to end, then delete it");
        }
        String outcome;
        try {
            WorkloadTarget target = target(workload);
            outcome = onTarget(workload, "remove", () -> removeOwn(target, workload));
        } catch (TargetGoneException e) {
            outcome = e.getMessage() + "; nothing was removed there";
        }
        store.delete(workloadId);
        return new Workload(workload.workloadId(), workload.name(), workload.target(), workload.deviceId(),
                workload.cloudTarget(), workload.image(), workload.pinnedImage(), workload.env(), workload.secretEnv(),
                workload.resources(), workload.network(), workload.ports(), workload.labels(), workload.healthCheck(),
                "deleted", outcome, null, null,
                workload.health(), workload.healthSince(), workload.createdBy(), workload.createdAt(),
                WorkloadStore.now(), workload.kind(), workload.deployAttempt());
    }

    public Map<String, Object> logs(String workloadId, Integer tail) {
        Workload workload = operable(workloadId);
        WorkloadTarget target = target(workload);
        requireContainer(workload, target);
        int lines = tail == null ? 100 : Math.max(1, Math.min(tail, 10_000));
        String logs = onTarget(workload, "logs", () -> target.logs(workload.container(), lines));
        return Map.of("workloadId", workloadId, "tail", lines, "logs", logs);
    }

    public Map<String, Object> stats(String workloadId) {
        Workload workload = operable(workloadId);
        WorkloadTarget target = target(workload);
        requireContainer(workload, target);
        Map<String, Object> stats = new LinkedHashMap<>(Map.of("workloadId", workloadId));
        stats.putAll(onTarget(workload, "stats", () -> target.stats(workload.container())));
        return stats;
    }

    private ContainerSpec spec(Workload workload) {
        List<String> env = new ArrayList<>();
        workload.env().forEach((key, value) -> env.add(key + "=" + value));
        store.sealedSecrets(workload.workloadId()).forEach((key, sealed) ->
                env.add(key + "=" + secrets.decrypt(sealed, secretContext(workload.workloadId(), key))));
        Resources resources = workload.resources();
        Map<String, String> labels = new TreeMap<>(workload.labels());
        labels.put(ContainerRuntime.WORKLOAD_LABEL, workload.workloadId());
        return new ContainerSpec(workload.container(), workload.pinnedImage(), env, workload.network(),
                workload.ports().stream().map(p -> new PortMapping(p.containerPort(), p.hostPort(), p.protocol())).toList(),
                Map.of(), resources.cpus(), DeploySteps.memoryBytes(resources.memory()), resources.pids(), labels);
    }

    /** Removes the workload's container, and only a container labelled as this workload's; says what it did. */
    private static String removeOwn(WorkloadTarget target, Workload workload) {
        Optional<ContainerState> container = target.state(workload.container());
        if (container.isEmpty()) {
            return "no container " + workload.container() + " on " + workload.where();
        }
        if (!workload.workloadId().equals(container.get().workloadId())) {
            return "the container named " + workload.container() + " on " + workload.where() + " is not this "
                    + "workload's and was left as it is";
        }
        target.remove(workload.container());
        return "container " + workload.container() + " removed from " + workload.where();
    }

    private WorkloadTarget target(Workload workload) {
        return targets.of(workload);
    }

    private static String address(Workload workload, WorkloadTarget target) {
        return workload.ports().isEmpty() ? null : target.address(workload.ports().get(0).hostPort());
    }

    private static void requireContainer(Workload workload, WorkloadTarget target) {
        if (workload.containerId() == null) {
            throw new ConflictException("workload " + workload.workloadId() + " has no container yet (it is "
                    + workload.status() + ")");
        }
    }

    /** @throws ConflictException for an edge's HER provider, which is not operated as a container workload */
    private Workload operable(String workloadId) {
        HerProviders.refuse(workloadId);
        return store.get(workloadId);
    }

    /** A target that refuses or cannot be reached answers 502 naming the workload, the target and what it said. */
    private static <T> T onTarget(Workload workload, String action, TargetCall<T> call) {
        try {
            return call.run();
        } catch (InputRejectedException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetFailedException(action + " of workload " + workload.name() + " on " + workload.where()
                    + " was interrupted", e);
        } catch (RuntimeException e) {
            throw new TargetFailedException(action + " of workload " + workload.name() + " on " + workload.where()
                    + " failed: " + e.getMessage(), e);
        }
    }

    private interface TargetCall<T> {
        T run() throws InterruptedException;
    }

    /** The hub's registry credentials for an image in that registry; none for another registry's. */
    private RegistryAuth registryAuth(String image) {
        return registry.hasCredentials() && image.startsWith(registry.url() + "/")
                ? new RegistryAuth(registry.url(), registry.username(), registry.password()) : null;
    }

    private static Resources resources(Resources requested, Problems problems) {
        Resources given = requested == null ? DEFAULT_RESOURCES : requested;
        double cpus = given.cpus() == null ? DEFAULT_RESOURCES.cpus() : given.cpus();
        String memory = given.memory() == null ? DEFAULT_RESOURCES.memory() : given.memory().trim();
        long pids = given.pids() == null ? DEFAULT_RESOURCES.pids() : given.pids();
        problems.check(cpus > 0 && cpus <= 1024, "resources.cpus must be above 0");
        try {
            problems.check(DeploySteps.memoryBytes(memory) >= 6L * 1024 * 1024,
                    "resources.memory must be at least 6m (the engine's minimum)");
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        problems.check(pids > 0, "resources.pids must be above 0");
        return new Resources(cpus, memory, pids);
    }

    private static List<Port> ports(List<Port> requested, Problems problems) {
        if (requested == null) {
            return List.of();
        }
        List<Port> ports = new ArrayList<>();
        for (Port port : requested) {
            boolean valid = port != null && validPort(port.containerPort())
                    && (port.hostPort() == null || validPort(port.hostPort()))
                    && (port.protocol() == null || port.protocol().matches("tcp|udp"));
            problems.check(valid, "ports: " + port + " needs containerPort (and hostPort, if given) from 1 to 65535, "
                    + "protocol tcp or udp");
            if (valid) {
                ports.add(new Port(port.containerPort(), port.hostPort() == null ? port.containerPort() : port.hostPort(),
                        port.protocol() == null ? "tcp" : port.protocol()));
            }
        }
        return ports;
    }

    /** The check with its defaults filled in; null for none. */
    private static HealthCheck healthCheck(HealthCheck given, List<Port> ports, Problems problems) {
        if (given == null) {
            return null;
        }
        String type = given.type() == null ? "" : given.type().trim();
        Integer port = given.port() != null ? given.port() : ports.isEmpty() ? null : ports.get(0).containerPort();
        switch (type) {
            case "http", "tcp" -> problems.check(port != null && ports.stream().anyMatch(p -> p.containerPort().equals(port)),
                    "healthCheck.port must be one of the workload's container ports (an " + type + " check goes to "
                            + "where the port is published)");
            case "command" -> problems.check(given.command() != null && !given.command().isEmpty(),
                    "healthCheck.command is required for a command check, as a list: the program and its arguments");
            default -> problems.add("healthCheck.type must be http, tcp or command");
        }
        int interval = given.intervalSeconds() == null ? 10 : given.intervalSeconds();
        int timeout = given.timeoutSeconds() == null ? Math.min(3, Math.max(interval, 1)) : given.timeoutSeconds();
        int retries = given.retries() == null ? 3 : given.retries();
        problems.check(interval >= 1, "healthCheck.intervalSeconds must be at least 1");
        problems.check(timeout >= 1 && timeout <= interval, "healthCheck.timeoutSeconds must be from 1 to intervalSeconds");
        problems.check(retries >= 1, "healthCheck.retries must be at least 1");
        boolean http = type.equals("http");
        String path = given.path() == null || given.path().isBlank() ? "/" : given.path().trim();
        problems.check(!http || path.startsWith("/"), "healthCheck.path must start with /");
        return new HealthCheck(type, type.equals("command") ? null : port, http ? path : null,
                http ? (given.expectedStatus() == null ? 200 : given.expectedStatus()) : null,
                type.equals("command") ? List.copyOf(given.command()) : null, interval, timeout, retries);
    }

    private static boolean validPort(Integer port) {
        return port != null && port >= 1 && port <= 65535;
    }

    /** A name the shell accepts, and a value on one line: an edge reached over SSH is handed an env-file. */
    private static void checkEnv(String key, String value, String field, Problems problems) {
        problems.check(ENV_NAME.matcher(key).matches(), field + " name '" + key + "' is not a valid variable name");
        problems.check(value != null, field + " " + key + " has no value");
        problems.check(value == null || !value.contains("\n") && !value.contains("\r"),
                field + " " + key + " holds a line break: values must be one line");
    }

    /** The deploy was asked to stop. */
    private static class DeployCancelledException extends RuntimeException {
        DeployCancelledException() {
            super("cancelled by request");
        }
    }

    private static String secretContext(String workloadId, String name) {
        return "workload:" + workloadId + ":" + name;
    }
}
