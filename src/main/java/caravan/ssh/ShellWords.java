package caravan.ssh;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Command lines for the edge's shell, every word single-quoted, so an image name, path or env value is passed as one
 * argument and never interpreted. Written here because no maintained library does POSIX quoting alone.
 */
public final class ShellWords {

    private ShellWords() {
    }

    public static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    public static String join(List<String> words) {
        return words.stream().map(ShellWords::quote).collect(Collectors.joining(" "));
    }
}
