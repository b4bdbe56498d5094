package caravan.security;

import java.util.Locale;

/** What a key may do. Each role includes the ones below it: an admin may do what an operator may, and so on. */
public enum Role {
    /** Read everything, watch the live feed, scrape metrics. */
    VIEWER,
    /** Upload providers, deploy, roll back, operate containers, acknowledge alerts. */
    OPERATOR,
    /** Keys, edges' credentials, the audit trail, Hawtio and Jolokia. */
    ADMIN;

    /** Spring Security's authority for the role ({@code ROLE_OPERATOR}). */
    public String authority() {
        return "ROLE_" + name();
    }

    /** As the API writes it: {@code operator}. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code viewer}, {@code operator} or {@code admin}; anything else is null. */
    public static Role fromApiName(String name) {
        for (Role role : values()) {
            if (role.apiName().equals(name)) {
                return role;
            }
        }
        return null;
    }
}
