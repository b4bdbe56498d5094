package caravan.api;

import java.util.List;

/** Bad input to any API: carries every problem found, so the user can fix them all at once (a 400). */
public class InputRejectedException extends RuntimeException {

    private final List<String> problems;

    public InputRejectedException(List<String> problems) {
        super("input rejected: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
