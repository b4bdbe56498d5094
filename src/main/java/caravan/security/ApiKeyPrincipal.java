package caravan.security;

import java.io.Serializable;
import java.security.Principal;

/** An authenticated key: its id (null for a bootstrap key), its name (what the audit calls the actor) and role. */
public record ApiKeyPrincipal(String keyId, String name, Role role) implements Principal, Serializable {

    @Override
    public String getName() {
        return name;
    }
}
