package caravan.security;

import java.io.Serializable;
import java.security.Principal;

/** A device authenticated by its own token: it may open its own stream, acknowledge and upload for itself. */
public record DevicePrincipal(String deviceId) implements Principal, Serializable {

    static final String AUTHORITY = "ROLE_DEVICE";

    @Override
    public String getName() {
        return "device " + deviceId;
    }
}
