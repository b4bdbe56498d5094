package caravan.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The packaged edge agent ({@code edge-agent/target/caravan-edge-agent}) started as on a device, its output in a log file. */
public final class EdgeAgentProcess implements AutoCloseable {

    static final String LAUNCHER = "edge-agent/target/caravan-edge-agent/caravan-edge-agent/bin/caravan-edge-agent";

    private final Process process;

    private EdgeAgentProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts the agent for {@code edgeId} (null: none, for an agent to be claimed) on {@code brokerUrl}, keeping its
     * state in {@code stateDir}.
     */
    public static EdgeAgentProcess start(String edgeId, String brokerUrl, Path stateDir, Path log, Map<String, String> env)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(LAUNCHER).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (edgeId != null) {
            builder.environment().put("CARAVAN_AGENT_EDGE_ID", edgeId);
        }
        builder.environment().put("CARAVAN_AGENT_BROKER_URL", brokerUrl);
        builder.environment().put("CARAVAN_AGENT_STATE_DIR", stateDir.toString());
        builder.environment().put("CARAVAN_AGENT_HEARTBEAT_INTERVAL_MS", "1000");
        builder.environment().putAll(env);
        return new EdgeAgentProcess(builder.start());
    }

    /** Kills it (SIGKILL), as a power cut or the OOM killer would: no chance to clean up. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Stops it as a service manager would (SIGTERM) and waits for it to exit. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
