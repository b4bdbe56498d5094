package caravan.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A command from the hub on {@code caravan/edges/{edgeId}/commands}.
 *
 * @param type         {@code deploy}, {@code container}, {@code workload} or {@code simulator}
 * @param commandId    unique per command: a redelivered command is applied once
 * @param deployment   for deploy: the deployment document, written as is to the provider's config file
 * @param healthGate   for deploy: when the new provider counts as healthy, and whether to roll back if it does not
 * @param registryAuth for deploy: credentials for pulling the image; kept in memory only
 * @param action       for container: stop, restart, remove, logs, stats; for simulator: start, stop; for workload:
 *                     the operation ({@code caravan.agent.WorkloadCommands})
 * @param tail         for container logs: how many lines
 * @param workload     for workload: the operation's arguments (travels sealed to the edge: a container spec carries
 *                     the workload's secret environment)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AgentCommand(String type, String commandId, JsonNode deployment, HealthGate healthGate,
        RegistryAuth registryAuth, String action, Integer tail, JsonNode workload) {

    /**
     * @param windowSeconds       the container must keep running this long without restarting
     * @param requireTrajectories and trajectories must arrive on the deployment's topic within it
     * @param rollbackOnFailure   restore the previous healthy provider when the gate fails
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HealthGate(int windowSeconds, boolean requireTrajectories, boolean rollbackOnFailure) {

        public static final HealthGate DEFAULT = new HealthGate(30, false, true);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RegistryAuth(String serverAddress, String username, String password) {

        /** Never prints the password: commands end up in logs and error messages. */
        @Override
        public String toString() {
            return "RegistryAuth[" + serverAddress + " as " + username + "]";
        }
    }

    /** The command as it may be written to disk: without the pull credentials. */
    public AgentCommand withoutRegistryAuth() {
        return new AgentCommand(type, commandId, deployment, healthGate, null, action, tail, workload);
    }

    public HealthGate healthGateOrDefault() {
        return healthGate == null ? HealthGate.DEFAULT : healthGate;
    }

    public String deploymentId() {
        return deployment == null ? null : deployment.path("deploymentId").asText(null);
    }

    /**
     * The image to pull and run: pinned to the digest the hub recorded when it was pushed or registered
     * ({@code repository@sha256:…}), so a tag pushed again later changes nothing here; the tag as given only for a
     * document without a digest.
     */
    public String image() {
        if (deployment == null) {
            return null;
        }
        String image = deployment.path("provider").path("image").asText(null);
        String digest = deployment.path("provider").path("digest").asText(null);
        return image == null || digest == null || digest.isBlank() ? image : repository(image) + "@" + digest;
    }

    /** {@code registry:5000/path/name} of {@code registry:5000/path/name:tag} or {@code …@sha256:…}. */
    public static String repository(String image) {
        int at = image.indexOf('@');
        String named = at < 0 ? image : image.substring(0, at);
        int colon = named.lastIndexOf(':');
        return colon > named.lastIndexOf('/') ? named.substring(0, colon) : named;
    }
}
