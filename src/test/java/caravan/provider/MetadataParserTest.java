package caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import caravan.api.InputRejectedException;
import caravan.trajectory.MappingCatalog;

class MetadataParserTest {

    private final MetadataParser parser = new MetadataParser(new ObjectMapper(), new ProviderProperties(
            Path.of("inbox"), Path.of("work"), Path.of("rejected"), Duration.ofSeconds(1),
            Map.of("22.04", "ubuntu:22.04", "24.04", "ubuntu:24.04"), DataSize.ofMegabytes(1), 20, 1, Duration.ofMinutes(1),
            Duration.ofSeconds(2), 50),
            new MappingCatalog(Path.of("mappings")));

    @Test
    void readsTheReferenceSchemaAndFillsDefaults() {
        ProviderMetadata metadata = parser.parse("""
                {"providerId": "my-provider", "displayName": "My Provider", "version": "1.0.0",
                 "runCommand": ["/usr/bin/tracker", "--config", "/config/extrinsics.json"],
                 "supportedLidars": ["Livox Mid-360"], "requiresGpu": false, "ubuntuBase": "22.04"}""");

        assertThat(metadata).isEqualTo(new ProviderMetadata("my-provider", "My Provider", "1.0.0",
                List.of("/usr/bin/tracker", "--config", "/config/extrinsics.json"), List.of("Livox Mid-360"), false,
                "22.04", "linux/amd64", null, List.of()));
    }

    @Test
    void minimalMetadataGetsDefaults() {
        ProviderMetadata metadata = parser.parse("""
                {"providerId": "p1", "version": "2", "runCommand": ["/bin/p1"], "debFiles": ["p1_2_amd64.deb"]}""");

        assertThat(metadata.displayName()).isEqualTo("p1");
        assertThat(metadata.ubuntuBase()).isEqualTo("22.04");
        assertThat(metadata.platform()).isEqualTo("linux/amd64");
        assertThat(metadata.requiresGpu()).isFalse();
        assertThat(metadata.debFiles()).containsExactly("p1_2_amd64.deb");
        assertThat(metadata.normalized().debFiles()).isEmpty();
    }

    @Test
    void reportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> parser.parse("""
                {"providerId": "My_Provider", "version": "1.0+beta", "runCommand": "/usr/bin/tracker --fast",
                 "supportedLidars": ["ok", 3], "requiresGpu": "yes", "ubuntuBase": "18.04",
                 "platform": "windows/amd64", "debFiles": ["../etc/passwd"]}"""))
                .isInstanceOfSatisfying(InputRejectedException.class, e -> assertThat(e.problems()).containsExactly(
                        "providerId 'My_Provider' must be a lowercase slug: a-z, 0-9 and '-', at most 63 characters, "
                                + "starting and ending with a letter or digit",
                        "version '1.0+beta' cannot be used as an image tag: letters, digits, '_', '.' and '-', "
                                + "at most 128 characters, not starting with '.' or '-'",
                        "runCommand must be an array of strings, not string",
                        "supportedLidars[1] must be a string, not number",
                        "requiresGpu must be true or false, not \"yes\"",
                        "ubuntuBase '18.04' is not known; known: [22.04, 24.04]",
                        "platform 'windows/amd64' is not supported; supported: [linux/amd64, linux/arm/v7, linux/arm64]",
                        "debFiles entry '../etc/passwd' must be a plain file name ending in .deb"));
    }

    @Test
    void requiresProviderIdVersionAndRunCommand() {
        assertThatThrownBy(() -> parser.parse("{\"runCommand\": []}"))
                .isInstanceOfSatisfying(InputRejectedException.class, e -> assertThat(e.problems()).containsExactly(
                        "providerId is required",
                        "version is required",
                        "runCommand must be a non-empty array whose first element is the program to run"));
    }

    @Test
    void rejectsWhatIsNotAJsonObject() {
        assertThatThrownBy(() -> parser.parse("{\"providerId\": ")).isInstanceOfSatisfying(InputRejectedException.class,
                e -> assertThat(e.problems()).singleElement().asString().startsWith("metadata is not valid JSON"));
        assertThatThrownBy(() -> parser.parse("[1]")).isInstanceOfSatisfying(InputRejectedException.class,
                e -> assertThat(e.problems()).containsExactly("metadata must be a JSON object"));
        assertThatThrownBy(() -> parser.parse(null)).isInstanceOfSatisfying(InputRejectedException.class,
                e -> assertThat(e.problems()).singleElement().asString().startsWith("metadata is missing"));
    }

    @Test
    void readsAnImageRegistration() {
        ImageProvider provider = parser.parseImageRegistration("""
                {"providerId": "vendor-x", "version": "3.1", "dockerImage": "registry.example.com:5000/vendor/x:3.1",
                 "supportedLidars": ["Ouster OS1"], "requiresGpu": true}""");

        assertThat(provider).isEqualTo(new ImageProvider("vendor-x", "vendor-x", "3.1",
                "registry.example.com:5000/vendor/x:3.1", List.of(), List.of("Ouster OS1"), true, "linux/amd64", null));
        assertThatThrownBy(() -> parser.parseImageRegistration("{\"providerId\": \"x\", \"version\": \"1\", "
                + "\"dockerImage\": \"Not An Image\"}"))
                .isInstanceOfSatisfying(InputRejectedException.class, e -> assertThat(e.problems()).containsExactly(
                        "dockerImage 'Not An Image' is not an image reference like registry/path/name:tag"));
    }

    @Test
    void aTrajectoryFormatMustNameAMappingTheHubHas() {
        ImageProvider provider = parser.parseImageRegistration("{\"providerId\": \"vendor-y\", \"version\": \"1\", "
                + "\"dockerImage\": \"registry.example.com/vendor/y:1\", \"trajectoryFormat\": \"vendor-array\"}");
        assertThat(provider.trajectoryFormat()).isEqualTo("vendor-array");

        assertThatThrownBy(() -> parser.parse("{\"providerId\": \"p\", \"version\": \"1\", \"runCommand\": [\"/bin/p\"], "
                + "\"trajectoryFormat\": \"no-such-format\"}"))
                .isInstanceOfSatisfying(InputRejectedException.class, e -> assertThat(e.problems()).containsExactly(
                        "trajectoryFormat 'no-such-format' has no mapping " + Path.of("mappings", "no-such-format.jslt")
                                + " and is not one the hub ships"));
        assertThatThrownBy(() -> parser.parseImageRegistration("{\"providerId\": \"x\", \"version\": \"1\", "
                + "\"dockerImage\": \"r.example.com/x:1\", \"trajectoryFormat\": \"../etc/passwd\"}"))
                .isInstanceOfSatisfying(InputRejectedException.class, e -> assertThat(e.problems()).containsExactly(
                        "trajectoryFormat '../etc/passwd' must be a lowercase slug naming a mapping in mappings"));
    }
}
