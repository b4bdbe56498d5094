package caravan.security;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/** Who is acting in the current request: the name of the key it was authenticated with. */
public final class Actors {

    /**
     * The header routes keep the actor in ({@code RequestActor} fills it); Camel-prefixed, so the HTTP binding
     * neither takes it from a request nor sends it back.
     */
    public static final String HEADER = "CamelCaravanActor";

    /** The request attribute holding the actor, for what runs outside Spring Security's filters (the audit). */
    static final String ATTRIBUTE = "caravan.actor";

    private Actors() {
    }

    /** The current request's key name; {@code otherwise} outside a request (a timer, the inbox folder). */
    public static String currentOr(String otherwise) {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof ApiKeyPrincipal key) {
            return key.name();
        }
        if (authentication != null && authentication.getPrincipal() instanceof DevicePrincipal device) {
            return device.getName();
        }
        return otherwise;
    }

    /** For a refusal: {@code key 'ci' (viewer)}. */
    static String describeCurrent() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof ApiKeyPrincipal key) {
            return "key '" + key.name() + "' (" + key.role().apiName() + ")";
        }
        if (authentication != null && authentication.getPrincipal() instanceof DevicePrincipal device) {
            return device.getName();
        }
        return "an unauthenticated request";
    }
}
