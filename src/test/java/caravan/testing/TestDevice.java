package caravan.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A model device of scripts/services.sh (an SSH user with its own supervisord) running {@link PolicyRunner} as its
 * duck_policy program, installed as an operator would: the runner and ONNX Runtime copied to the user's home and a
 * program section added to supervisord.
 */
public final class TestDevice {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String user;
    private final Path home;

    private TestDevice(String user) {
        this.user = user;
        this.home = Path.of("/home", user);
    }

    /** Installs the runner and starts it with no model, and no models directory left from an earlier run. */
    public static TestDevice install(String user) throws Exception {
        TestDevice device = new TestDevice(user);
        device.installRunner();
        return device;
    }

    public String user() {
        return user;
    }

    /** The device's service settings for the hub ({@code PUT /api/edges/{id}/device}). */
    public String serviceSettings() {
        String supervisorctl = "\"supervisorctl\", \"-c\", \"supervisor/supervisord.conf\"";
        return "{\"service\": \"duck_policy\","
                + " \"restartCommand\": [" + supervisorctl + ", \"restart\", \"duck_policy\"],"
                + " \"statusCommand\": [" + supervisorctl + ", \"status\", \"duck_policy\"],"
                + " \"healthCommand\": [\"test\", \"-s\", \"policy-runner/status.json\"],"
                + " \"logsCommand\": [\"tail\", \"-n\", \"50\", \"supervisor/logs/duck_policy.log\"],"
                + " \"modelsDir\": \"models\"}";
    }

    /** What the runner reports serving, or null while it serves nothing. */
    public JsonNode serving() throws IOException {
        Path status = home.resolve("policy-runner/status.json");
        return Files.exists(status) ? MAPPER.readTree(status.toFile()) : null;
    }

    /** Every file in the device user's models directory, relative to it. */
    public java.util.List<String> files() throws IOException {
        if (!Files.isDirectory(modelsDir())) {
            return java.util.List.of();
        }
        try (java.util.stream.Stream<Path> files = Files.walk(modelsDir())) {
            return files.map(file -> modelsDir().relativize(file).toString()).sorted().toList();
        }
    }

    public Path modelsDir() {
        return home.resolve("models");
    }

    /** Stops the runner and removes it, its program and the models deployed. */
    public void uninstall() throws Exception {
        supervisorctl("stop", "duck_policy");
        Files.deleteIfExists(home.resolve("supervisor/conf.d/duck_policy.conf"));
        supervisorctl("update");
        Services.run("rm", "-rf", home.resolve("models").toString(), home.resolve("policy-runner").toString());
    }

    private void installRunner() throws Exception {
        Path runner = home.resolve("policy-runner");
        Services.run("rm", "-rf", runner.toString(), home.resolve("models").toString());
        Path classes = Files.createDirectories(runner.resolve("classes/caravan/testing"));
        Files.copy(codeSource(PolicyRunner.class).resolve("caravan/testing/PolicyRunner.class"),
                classes.resolve("PolicyRunner.class"));
        Files.copy(codeSource(OrtEnvironment.class), runner.resolve("onnxruntime.jar"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = home.resolve("supervisor/logs/duck_policy.log");
        Files.writeString(home.resolve("supervisor/conf.d/duck_policy.conf"), String.join("\n",
                "[program:duck_policy]",
                "command=" + java + " -Xmx96m -cp " + runner.resolve("classes") + ":" + runner.resolve("onnxruntime.jar")
                        + " caravan.testing.PolicyRunner " + home.resolve("models") + " " + runner.resolve("status.json"),
                "directory=" + home,
                "autostart=true",
                "autorestart=unexpected",
                // running for 3 s counts as started: a runner that cannot load its model exits well before
                "startsecs=3",
                "startretries=1",
                "stopwaitsecs=5",
                "redirect_stderr=true",
                "stdout_logfile=" + log,
                ""));
        Files.deleteIfExists(log);
        Services.run("chown", "-R", user + ":" + user, runner.toString(), home.resolve("supervisor").toString());
        supervisorctl("update");
        supervisorctl("restart", "duck_policy");
    }

    private Services.CommandResult supervisorctl(String... arguments) throws Exception {
        String command = "supervisorctl -c supervisor/supervisord.conf " + String.join(" ", arguments);
        return Services.run("su", "-s", "/bin/sh", "-c", "cd && " + command, user);
    }

    private static Path codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
