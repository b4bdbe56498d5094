package caravan.edge;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The bodies the edge API takes, bound from JSON; field names as the reference's API has them. */
public final class EdgeRequests {

    private EdgeRequests() {
    }

    /** {@code PUT /api/venues/{venueId}}. */
    public record VenueRequest(String name, ObjectNode coordinateFrame, ObjectNode venueBounds) {
    }

    /**
     * {@code PUT /api/edges/{edgeId}}; {@code transport} agent (default), ssh (which needs {@code ssh}) or sse (a device
     * streaming commands, given its token in the answer the first time).
     */
    public record EdgeRequest(String name, String venueId, String address, String transport, Map<String, String> labels,
            SshRequest ssh) {
    }

    /**
     * How the hub logs in to an SSH edge: {@code privateKey} (preferred) or {@code password}. Without {@code hostKey}
     * the hub fetches the device's, which is trusted once its fingerprint is confirmed.
     */
    public record SshRequest(String user, Integer port, String hostKey, String privateKey, String password) {
    }

    /** {@code POST /api/edges/{edgeId}/host-key/confirm}: the fingerprint the operator read on the device. */
    public record HostKeyConfirmation(String fingerprint) {
    }

    /** {@code PUT /api/edges/{edgeId}/lidars/{serial}}. */
    public record LidarRequest(String model, ObjectNode extrinsics) {
    }

    /** {@code POST /api/edge-commissioning/edge/{edgeId}/deploy-her}, the reference's request. */
    public record DeployHerRequest(String venueId, String providerId, String mqttBrokerUrl) {
    }

    /**
     * {@code POST /api/deployments}: a provider ({@code providerId}) or a policy model ({@code modelId}, with its
     * {@code parameters}) to the edges named ({@code edgeIds}) or matched by labels ({@code selector}), in waves
     * ({@code strategy}), not before a time, with per-edge {@code values}.
     */
    public record GroupRequest(String providerId, String modelId, ObjectNode parameters, List<String> edgeIds,
            Map<String, String> selector, Strategy strategy, String notBefore, String venueId, String mqttBrokerUrl,
            Map<String, EdgeValues> values) {
    }

    /** How a group rolls out: edges per wave, and the failures that stop it. */
    public record Strategy(Integer waveSize, Integer maxFailures) {
    }

    /**
     * One edge's own values: variables its provider container gets in addition to the others', or model parameters
     * that override the group's.
     */
    public record EdgeValues(ObjectNode env, ObjectNode parameters) {
    }
}
