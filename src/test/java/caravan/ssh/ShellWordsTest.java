package caravan.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import caravan.testing.Services;

/** What the edge's shell receives is exactly the words the hub meant, whatever they contain. */
class ShellWordsTest {

    @Test
    void everyWordReachesTheCommandAsOneArgument() throws Exception {
        List<String> words = List.of("plain", "two words", "it's", "$(touch /tmp/x)", "`id`", "a\"b", "semi;colon",
                "new\nline", "*", "");
        Services.CommandResult result = Services.run("sh", "-c", "printf '%s|' " + ShellWords.join(words));
        assertThat(result.exitCode()).isZero();
        assertThat(result.output()).isEqualTo(String.join("|", words) + "|");
    }

    @Test
    void dockerSizesAreReadInBytes() {
        assertThat(RemoteDockerRuntime.bytes("1.5MiB")).isEqualTo(1_572_864L);
        assertThat(RemoteDockerRuntime.bytes("2GiB")).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(RemoteDockerRuntime.bytes("12kB")).isEqualTo(12_000L);
        assertThat(RemoteDockerRuntime.bytes("0B")).isZero();
        assertThat(RemoteDockerRuntime.bytes("--")).isEqualTo(-1L);
    }
}
