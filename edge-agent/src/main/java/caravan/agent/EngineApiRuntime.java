package caravan.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.Volume;

import caravan.deploy.AgentCommand;
import caravan.deploy.AgentSettings;
import caravan.deploy.ContainerRuntime;
import caravan.deploy.DockerClients;

/** The agent's own Docker engine, through docker-java's engine API client. */
public class EngineApiRuntime implements ContainerRuntime {

    private static final String HOST_SETTING = "caravan.agent.docker-host (environment CARAVAN_AGENT_DOCKER_HOST)";

    private final AgentSettings settings;
    private DockerClient client;

    public EngineApiRuntime(AgentSettings settings) {
        this.settings = settings;
    }

    synchronized DockerClient docker() {
        if (client == null) {
            client = DockerClients.connect(settings.dockerHost(), HOST_SETTING);
        }
        return client;
    }

    @Override
    public String dockerVersion() {
        return docker().versionCmd().exec().getVersion();
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
        Path path = Path.of(settings.diskPath().isBlank() ? docker().infoCmd().exec().getDockerRootDir() : settings.diskPath());
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
            if (!callback.awaitCompletion(settings.stepTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                callback.close();
                throw new IllegalStateException("pull of " + image + " did not finish within " + settings.stepTimeout());
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
            return Optional.of(new ContainerState(name, container.getConfig().getImage(),
                    container.getConfig().getLabels() == null ? null : container.getConfig().getLabels().get(DEPLOYMENT_LABEL),
                    state.getStatus(), Boolean.TRUE.equals(state.getRunning()),
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
    public String start(String name, String image, List<String> env, String configDir, double cpus, long memoryBytes,
            Map<String, String> labels) {
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode("host")
                .withBinds(new Bind(configDir, new Volume("/config"), AccessMode.ro))
                .withRestartPolicy(RestartPolicy.unlessStoppedRestart())
                .withNanoCPUs((long) (cpus * 1_000_000_000L))
                .withMemory(memoryBytes);
        String id = docker().createContainerCmd(image).withName(name).withEnv(env).withLabels(labels)
                .withHostConfig(host).exec().getId();
        docker().startContainerCmd(id).exec();
        return id;
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
