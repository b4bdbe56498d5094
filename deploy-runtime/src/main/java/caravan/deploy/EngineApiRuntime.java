package caravan.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.Volume;

/** A Docker engine through docker-java's engine API client: the agent's own, or a cloud VM's over mutual TLS. */
public class EngineApiRuntime implements ContainerRuntime {

    private final Supplier<DockerClient> connect;
    private final Duration pullTimeout;
    private final Path diskPath;
    private DockerClient client;

    /**
     * @param connect     makes the client on first use, so an engine that is down only fails what needs it
     * @param pullTimeout longest a pull may take
     * @param diskPath    where free disk is checked on the engine's machine, blank for the engine's data root; null
     *                    for an engine on another machine, whose free disk is not known here
     */
    public EngineApiRuntime(Supplier<DockerClient> connect, Duration pullTimeout, String diskPath) {
        this.connect = connect;
        this.pullTimeout = pullTimeout;
        this.diskPath = diskPath == null ? null : Path.of(diskPath);
    }

    synchronized DockerClient docker() {
        if (client == null) {
            client = connect.get();
        }
        return client;
    }

    @Override
    public String dockerVersion() {
        return docker().versionCmd().exec().getVersion();
    }

    @Override
    public Capacity capacity() {
        Info info = docker().infoCmd().exec();
        return new Capacity(info.getNCPU() == null ? 0 : info.getNCPU(), info.getMemTotal() == null ? 0 : info.getMemTotal(),
                info.getArchitecture(), info.getServerVersion());
    }

    @Override
    public boolean imagePresent(String image) {
        try {
            docker().inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    @Override
    public long freeDisk() throws IOException {
        if (diskPath == null) {
            throw new IOException("the free disk of an engine on another machine is not known here");
        }
        Path path = diskPath.toString().isBlank() ? Path.of(docker().infoCmd().exec().getDockerRootDir()) : diskPath;
        while (!Files.exists(path) && path.getParent() != null) {
            path = path.getParent(); // the agent in a container may see only part of the host's path
        }
        return Files.getFileStore(path).getUsableSpace();
    }

    /** Every error the engine streams back fails the pull. */
    @Override
    public void pull(String image, AgentCommand.RegistryAuth auth) throws InterruptedException {
        AtomicReference<String> error = new AtomicReference<>();
        ResultCallback.Adapter<PullResponseItem> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(PullResponseItem item) {
                if (item.isErrorIndicated()) {
                    error.compareAndSet(null, item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                            ? item.getErrorDetail().getMessage() : item.getError());
                }
            }
        };
        var pull = docker().pullImageCmd(image);
        if (auth != null && auth.username() != null) {
            pull.withAuthConfig(new AuthConfig().withRegistryAddress(auth.serverAddress())
                    .withUsername(auth.username()).withPassword(auth.password()));
        }
        try {
            pull.exec(callback);
            if (!callback.awaitCompletion(pullTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                callback.close();
                throw new IllegalStateException("pull of " + image + " did not finish within " + pullTimeout);
            }
        } catch (RuntimeException e) {
            throw new IllegalStateException("pull of " + image + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("pull of " + image + " could not be stopped: " + e.getMessage(), e);
        }
        if (error.get() != null) {
            throw new IllegalStateException("pull of " + image + " failed: " + error.get());
        }
        if (!imagePresent(image)) {
            throw new IllegalStateException("pull of " + image + " ended but the engine does not have it");
        }
    }

    @Override
    public Optional<ContainerState> state(String name) {
        try {
            InspectContainerResponse container = docker().inspectContainerCmd(name).exec();
            InspectContainerResponse.ContainerState state = container.getState();
            Map<String, String> labels = container.getConfig().getLabels() == null ? Map.of()
                    : container.getConfig().getLabels();
            return Optional.of(new ContainerState(name, container.getConfig().getImage(), labels.get(DEPLOYMENT_LABEL),
                    labels.get(WORKLOAD_LABEL), state.getStatus(), Boolean.TRUE.equals(state.getRunning()),
                    container.getRestartCount() == null ? 0 : container.getRestartCount(),
                    state.getExitCodeLong() == null ? null : state.getExitCodeLong().intValue()));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public void remove(String name) {
        try {
            docker().removeContainerCmd(name).withForce(true).exec();
        } catch (NotFoundException e) {
            // nothing to remove
        }
    }

    @Override
    public void stop(String name) {
        try {
            docker().stopContainerCmd(name).withTimeout(10).exec();
        } catch (NotModifiedException e) {
            // already stopped
        }
    }

    @Override
    public void restart(String name) {
        docker().restartContainerCmd(name).withTimeout(10).exec();
    }

    @Override
    public void start(String name) {
        try {
            docker().startContainerCmd(name).exec();
        } catch (NotModifiedException e) {
            // already running
        }
    }

    @Override
    public String run(ContainerSpec spec) {
        Ports published = new Ports();
        List<ExposedPort> exposed = new ArrayList<>();
        for (PortMapping port : spec.ports()) {
            ExposedPort containerPort = new ExposedPort(port.containerPort(), InternetProtocol.parse(port.protocol()));
            exposed.add(containerPort);
            published.bind(containerPort, Ports.Binding.bindPort(port.hostPort()));
        }
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(spec.network())
                .withPortBindings(published)
                .withBinds(spec.readOnlyBinds().entrySet().stream()
                        .map(bind -> new Bind(bind.getKey(), new Volume(bind.getValue()), AccessMode.ro)).toList())
                .withRestartPolicy(RestartPolicy.unlessStoppedRestart())
                .withNanoCPUs((long) (spec.cpus() * 1_000_000_000L))
                .withMemory(spec.memoryBytes());
        if (spec.pids() > 0) {
            host.withPidsLimit(spec.pids());
        }
        String id = docker().createContainerCmd(spec.image()).withName(spec.name()).withEnv(spec.env())
                .withLabels(spec.labels()).withExposedPorts(exposed).withHostConfig(host).exec().getId();
        docker().startContainerCmd(id).exec();
        return id;
    }

    @Override
    public ExecResult exec(String name, List<String> command, Duration timeout) throws InterruptedException {
        String execId = docker().execCreateCmd(name).withCmd(command.toArray(String[]::new)).withAttachStdout(true)
                .withAttachStderr(true).exec().getId();
        StringBuilder out = new StringBuilder();
        ResultCallback.Adapter<Frame> callback = docker().execStartCmd(execId).exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        });
        if (!callback.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            try {
                callback.close(); // the stream's thread and connection go back; the command may still run
            } catch (IOException e) {
                // closing a stream that is being torn down anyway
            }
            throw new IllegalStateException(String.join(" ", command) + " did not end within " + timeout);
        }
        Long exitCode = docker().inspectExecCmd(execId).exec().getExitCodeLong();
        return new ExecResult(exitCode == null ? -1 : exitCode.intValue(), out.toString());
    }

    @Override
    public String logs(String name, int lines) throws InterruptedException {
        StringBuilder out = new StringBuilder();
        ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        };
        docker().logContainerCmd(name).withStdOut(true).withStdErr(true).withTail(lines).exec(callback)
                .awaitCompletion(30, TimeUnit.SECONDS);
        return out.toString();
    }

    @Override
    public Map<String, Object> stats(String name) throws InterruptedException {
        AtomicReference<Statistics> sample = new AtomicReference<>();
        ResultCallback.Adapter<Statistics> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Statistics statistics) {
                sample.set(statistics);
            }
        };
        docker().statsCmd(name).withNoStream(true).exec(callback).awaitCompletion(30, TimeUnit.SECONDS);
        Statistics stats = sample.get();
        if (stats == null) {
            throw new IllegalStateException("the engine returned no stats for " + name);
        }
        Long memory = stats.getMemoryStats() == null ? null : stats.getMemoryStats().getUsage();
        Long cpu = stats.getCpuStats() == null || stats.getCpuStats().getCpuUsage() == null ? null
                : stats.getCpuStats().getCpuUsage().getTotalUsage();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("memoryUsageBytes", memory == null ? -1 : memory);
        result.put("cpuTotalUsageNanos", cpu == null ? -1 : cpu);
        result.put("pids", stats.getPidsStats() == null || stats.getPidsStats().getCurrent() == null ? -1
                : stats.getPidsStats().getCurrent());
        return result;
    }

    @Override
    public List<String> removeImages(Set<String> candidates, Set<String> keep) {
        List<String> removed = new ArrayList<>();
        for (String image : candidates) {
            if (keep.contains(image)) {
                continue;
            }
            try {
                docker().removeImageCmd(image).exec();
                removed.add(image);
            } catch (NotFoundException | ConflictException e) {
                // already gone, or still used by a container
            }
        }
        return removed;
    }
}
