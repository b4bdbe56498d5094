package caravan.device;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import org.springframework.stereotype.Component;

import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.security.DeviceTokens;

/** A streaming device gets its token when it is first registered: shown in that answer only. */
@Component
public class DeviceRegistration {

    /** The registered edge, and the device's token the first time. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RegisteredDevice(@JsonUnwrapped Edge edge, String deviceToken) {
    }

    private final DeviceTokens tokens;
    private final EdgeRegistry registry;

    public DeviceRegistration(DeviceTokens tokens, EdgeRegistry registry) {
        this.tokens = tokens;
        this.registry = registry;
    }

    /** Whether the edge holds a command stream (its credential is a device token, not a broker login). */
    public boolean streams(String edgeId) {
        return registry.edge(edgeId).map(edge -> DeviceTriggers.SSE.equals(edge.transport())).orElse(false);
    }

    /** The edge as saved; a streaming device without a token gets one, in this answer. */
    public Object withFirstToken(Edge edge, String actor) {
        if (!DeviceTriggers.SSE.equals(edge.transport()) || tokens.hasToken(edge.edgeId())) {
            return edge;
        }
        return new RegisteredDevice(edge, tokens.issue(edge.edgeId(), actor).deviceToken());
    }
}
