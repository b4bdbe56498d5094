package caravan.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import caravan.deploy.AgentCommand.RegistryAuth;
import caravan.deploy.ContainerRuntime;

/**
 * An agentless edge's Docker engine through the docker CLI, over SSH. Every argument is quoted; registry
 * credentials are never on a command line: they go, for the length of one pull, into a docker config on a tmpfs
 * of the edge that only the SSH user can read.
 */
public class RemoteDockerRuntime implements ContainerRuntime {

    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final Pattern SIZE = Pattern.compile("([0-9.]+)\\s*([kKMGT]?i?B)");

    private final SshSession ssh;
    private final SshProperties properties;
    private final ObjectMapper mapper;

    public RemoteDockerRuntime(SshSession ssh, SshProperties properties, ObjectMapper mapper) {
        this.ssh = ssh;
        this.properties = properties;
        this.mapper = mapper;
    }

    @Override
    public String dockerVersion() {
        return docker(QUICK, "version", "--format", "{{.Server.Version}}").strip();
    }

    @Override
    public boolean imagePresent(String image) {
        return ssh.run(List.of("docker", "image", "inspect", "--format", "{{.Id}}", image), QUICK).ok();
    }

    @Override
    public long freeDisk() {
        String root = docker(QUICK, "info", "--format", "{{.DockerRootDir}}").strip();
        String[] lines = expectOk(ssh.run(List.of("df", "-Pk", root), QUICK), "df " + root).strip().split("\n");
        String[] columns = lines[lines.length - 1].trim().split("\\s+");
        if (lines.length < 2 || columns.length < 4 || !columns[3].matches("\\d+")) {
            throw new IllegalStateException("free disk of " + root + " on edge " + ssh.edgeId() + " is unknown: df printed "
                    + String.join(" | ", lines));
        }
        return Long.parseLong(columns[3]) * 1024; // POSIX df -k: the fourth column is available 1024-byte blocks
    }

    @Override
    public void pull(String image, RegistryAuth auth) {
        if (auth == null || auth.username() == null) {
            docker(properties.stepTimeout(), "pull", "--quiet", image);
            return;
        }
        String configDir = privateTmpfsDir("caravan-pull", "registry credentials", "the pull");
        try {
            writeDockerConfig(configDir, auth);
            expectOk(ssh.run(List.of("env", "DOCKER_CONFIG=" + configDir, "docker", "pull", "--quiet", image),
                    properties.stepTimeout()), "docker pull " + image);
        } finally {
            ssh.run(List.of("rm", "-rf", "--", configDir), QUICK);
        }
    }

    /**
     * A new directory, mode 700, under the edge's secrets dir, which must be a tmpfs: what it holds ({@code what}, for
     * {@code step}) stays off the edge's disk.
     */
    private String privateTmpfsDir(String prefix, String what, String step) {
        String secretsDir = properties.secretsDir();
        String fileSystem = ssh.run(List.of("stat", "-f", "-c", "%T", secretsDir), QUICK).stdout().strip();
        if (!fileSystem.equals("tmpfs")) {
            throw new IllegalStateException("caravan.ssh.secrets-dir " + secretsDir + " on edge " + ssh.edgeId()
                    + " is not a tmpfs (" + (fileSystem.isEmpty() ? "missing" : fileSystem) + "): " + what
                    + " are only put in memory-backed storage, so " + step + " was not attempted");
        }
        SshSession.Result made = ssh.run(List.of("mktemp", "-d", secretsDir + "/" + prefix + ".XXXXXXXX"), QUICK);
        expectOk(made, "mktemp -d in " + secretsDir);
        return made.stdout().strip();
    }

    private void writeDockerConfig(String dir, RegistryAuth auth) {
        String basic = Base64.getEncoder().encodeToString((auth.username() + ":" + auth.password())
                .getBytes(StandardCharsets.UTF_8));
        Map<String, Object> config = Map.of("auths", Map.of(auth.serverAddress(), Map.of("auth", basic)));
        Path file = ssh.path(dir, "config.json");
        try (OutputStream out = Files.newOutputStream(file)) {
            mapper.writeValue(out, config);
        } catch (IOException e) {
            throw new IllegalStateException("could not hand the registry credentials to edge " + ssh.edgeId() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Capacity capacity() {
        JsonNode info = json(docker(QUICK, "info", "--format", "{{json .}}"));
        return new Capacity(info.path("NCPU").asInt(), info.path("MemTotal").asLong(), info.path("Architecture").asText(),
                info.path("ServerVersion").asText());
    }

    @Override
    public Optional<ContainerState> state(String name) {
        SshSession.Result inspect = ssh.run(List.of("docker", "container", "inspect", "--format", "{{json .}}", name), QUICK);
        if (!inspect.ok() && inspect.stderr().contains("No such")) {
            return Optional.empty();
        }
        JsonNode container = json(expectOk(inspect, "docker container inspect " + name));
        JsonNode state = container.path("State");
        return Optional.of(new ContainerState(name, container.path("Config").path("Image").asText(),
                container.path("Config").path("Labels").path(DEPLOYMENT_LABEL).asText(null),
                container.path("Config").path("Labels").path(WORKLOAD_LABEL).asText(null), state.path("Status").asText(),
                state.path("Running").asBoolean(), container.path("RestartCount").asInt(),
                state.hasNonNull("ExitCode") ? state.get("ExitCode").asInt() : null));
    }

    @Override
    public void remove(String name) {
        SshSession.Result removed = ssh.run(List.of("docker", "rm", "--force", name), QUICK);
        if (!removed.ok() && !removed.stderr().contains("No such container")) {
            expectOk(removed, "docker rm " + name);
        }
    }

    @Override
    public void stop(String name) {
        docker(QUICK, "stop", "--time", "10", name);
    }

    @Override
    public void restart(String name) {
        docker(QUICK, "restart", "--time", "10", name);
    }

    @Override
    public void start(String name) {
        docker(QUICK, "start", name);
    }

    @Override
    public String run(ContainerSpec spec) {
        List<String> run = new ArrayList<>(List.of("docker", "run", "--detach", "--name", spec.name(),
                "--network", spec.network(), "--restart", "unless-stopped",
                "--cpus", String.format(Locale.ROOT, "%.3f", spec.cpus()), "--memory", Long.toString(spec.memoryBytes())));
        if (spec.pids() > 0) {
            run.addAll(List.of("--pids-limit", Long.toString(spec.pids())));
        }
        spec.readOnlyBinds().forEach((host, container) -> run.addAll(List.of("--volume", host + ":" + container + ":ro")));
        spec.ports().forEach(port -> run.addAll(List.of("--publish",
                port.hostPort() + ":" + port.containerPort() + "/" + port.protocol())));
        spec.labels().forEach((key, value) -> run.addAll(List.of("--label", key + "=" + value)));
        if (spec.env().isEmpty()) {
            run.add(spec.image());
            return expectOk(ssh.run(run, properties.stepTimeout()), "docker run " + spec.image()).strip();
        }
        // In a file on the edge's tmpfs for the length of the run: on the command line, any user of the edge could
        // read the container's secrets in its process list.
        String envDir = privateTmpfsDir("caravan-env", "a container's environment variables", "starting it");
        try {
            String envFile = envDir + "/env";
            writeEnvFile(envFile, spec.env());
            run.addAll(List.of("--env-file", envFile, spec.image()));
            return expectOk(ssh.run(run, properties.stepTimeout()), "docker run " + spec.image()).strip();
        } finally {
            ssh.run(List.of("rm", "-rf", "--", envDir), QUICK);
        }
    }

    /** Docker's env-file: one NAME=value a line, taken literally. */
    private void writeEnvFile(String file, List<String> env) {
        for (String variable : env) {
            if (variable.contains("\n") || variable.contains("\r")) {
                throw new IllegalArgumentException("environment variable " + variable.substring(0,
                        Math.max(0, variable.indexOf('='))) + " holds a line break, which an env-file cannot carry");
            }
        }
        try {
            Files.writeString(ssh.path(file), String.join("\n", env) + "\n");
        } catch (IOException e) {
            throw new IllegalStateException("could not hand the container's environment to edge " + ssh.edgeId() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public ExecResult exec(String name, List<String> command, Duration timeout) {
        List<String> words = new ArrayList<>(List.of("docker", "exec", name));
        words.addAll(command);
        SshSession.Result result = ssh.run(words, "2>&1", timeout);
        return new ExecResult(result.exitCode(), result.stdout());
    }

    @Override
    public String logs(String name, int lines) {
        return expectOk(ssh.run(List.of("docker", "logs", "--tail", Integer.toString(lines), name), "2>&1", QUICK),
                "docker logs " + name);
    }

    /** What {@code docker stats} shows; the CLI gives CPU as a percentage rather than the engine's nanoseconds. */
    @Override
    public Map<String, Object> stats(String name) {
        JsonNode sample = json(docker(QUICK, "stats", "--no-stream", "--format", "{{json .}}", name));
        String[] memory = sample.path("MemUsage").asText("").split("/");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("memoryUsageBytes", bytes(memory[0]));
        result.put("memoryLimitBytes", memory.length > 1 ? bytes(memory[1]) : -1);
        result.put("cpuPercent", Double.parseDouble(sample.path("CPUPerc").asText("-1%").replace("%", "")));
        result.put("pids", sample.path("PIDs").asLong(-1));
        return result;
    }

    @Override
    public List<String> removeImages(Set<String> candidates, Set<String> keep) {
        List<String> removed = new ArrayList<>();
        for (String image : candidates) {
            if (!keep.contains(image) && ssh.run(List.of("docker", "rmi", image), QUICK).ok()) {
                removed.add(image); // a failure means already gone, or still used by a container
            }
        }
        return removed;
    }

    private String docker(Duration timeout, String... arguments) {
        List<String> words = new ArrayList<>(List.of("docker"));
        words.addAll(List.of(arguments));
        return expectOk(ssh.run(words, timeout), "docker " + arguments[0]);
    }

    private String expectOk(SshSession.Result result, String what) {
        if (!result.ok()) {
            throw new IllegalStateException(what + " failed on edge " + ssh.edgeId() + " (exit " + result.exitCode() + "): "
                    + (result.stderr().isBlank() ? result.stdout() : result.stderr()).strip());
        }
        return result.stdout();
    }

    private JsonNode json(String text) {
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("edge " + ssh.edgeId() + " answered with unreadable JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Docker's human sizes ({@code 1.5MiB}, {@code 12kB}) in bytes; -1 if unreadable. */
    static long bytes(String size) {
        Matcher matcher = SIZE.matcher(size.trim());
        if (!matcher.matches()) {
            return -1;
        }
        String unit = matcher.group(2);
        int power = "BKMGT".indexOf(Character.toUpperCase(unit.charAt(0)));
        double base = unit.contains("i") ? 1024 : 1000;
        return (long) (Double.parseDouble(matcher.group(1)) * Math.pow(base, power));
    }
}
