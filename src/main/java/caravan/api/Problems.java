package caravan.api;

import java.util.ArrayList;
import java.util.List;

/** The problems found in one request, answered together as one 400 so that the user can fix them all at once. */
public final class Problems {

    private final List<String> found = new ArrayList<>();

    public void add(String problem) {
        found.add(problem);
    }

    /** Adds {@code problem} unless {@code ok}. */
    public void check(boolean ok, String problem) {
        if (!ok) {
            found.add(problem);
        }
    }

    /** The value, noting "{@code field} is required" when it is missing or blank. */
    public String required(String value, String field) {
        check(value != null && !value.isBlank(), field + " is required");
        return value;
    }

    /** @throws InputRejectedException naming every problem, if there is any */
    public void rejectIfAny() {
        if (!found.isEmpty()) {
            throw new InputRejectedException(found);
        }
    }
}
