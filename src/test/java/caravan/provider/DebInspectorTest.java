package caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;

import caravan.testing.TestDebs;

class DebInspectorTest {

    @TempDir
    Path dir;

    private final DebInspector inspector = new DebInspector(properties(DataSize.ofMegabytes(10)));

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "xz", "zstd"})
    void readsTheControlFileOfARealPackage(String compression) throws IOException {
        Path deb = TestDebs.helloDeb(dir, "caravan-hello", "all", compression);
        List<String> problems = new ArrayList<>();

        DebPackage pkg = inspector.inspect(deb, "caravan-hello.deb", "linux/amd64", problems);

        assertThat(problems).isEmpty();
        assertThat(pkg.packageName()).isEqualTo("caravan-hello");
        assertThat(pkg.version()).isEqualTo("1.0.0");
        assertThat(pkg.architecture()).isEqualTo("all");
        assertThat(pkg.depends()).isEqualTo("libc6");
        assertThat(pkg.size()).isEqualTo(Files.size(deb));
        assertThat(pkg.sha256()).hasSize(64).isEqualTo(sha256(deb));
    }

    @Test
    void rejectsAFileWithoutArMagic() throws IOException {
        Path notDeb = Files.writeString(dir.resolve("notes.deb"), "just some text, not an archive");

        assertThat(problems(notDeb, "linux/amd64")).containsExactly("notes.deb: not a .deb (no ar archive magic '!<arch>')");
    }

    @Test
    void rejectsATruncatedPackage() throws IOException {
        Path deb = TestDebs.helloDeb(dir, "caravan-hello", "all", "gzip");
        byte[] bytes = Files.readAllBytes(deb);
        Path truncated = Files.write(dir.resolve("truncated.deb"), Arrays.copyOf(bytes, bytes.length - 200));

        assertThat(problems(truncated, "linux/amd64")).anySatisfy(p -> assertThat(p).startsWith("truncated.deb: ")
                .containsAnyOf("truncated", "corrupt"));
    }

    @Test
    void reportsEveryMissingMemberAtOnce() throws IOException {
        Path deb = TestDebs.arArchive(dir.resolve("empty.deb"), Map.of("debian-binary", "2.0\n".getBytes()));

        assertThat(problems(deb, "linux/amd64")).containsExactlyInAnyOrder(
                "empty.deb: missing or unreadable member 'control.tar.gz|xz|zst'",
                "empty.deb: missing member 'data.tar.*'");
    }

    @Test
    void rejectsAWrongFormatVersionAndAnUnexpectedMember() throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("debian-binary", "3.0\n".getBytes());
        members.put("control.tar.gz", TestDebs.tarGz(Map.of("./control", TestDebs.control("x", "all"))));
        members.put("data.tar.gz", TestDebs.tarGz(Map.of("./usr/bin/x", "x")));
        members.put("payload.sh", "rm -rf /".getBytes());
        Path deb = TestDebs.arArchive(dir.resolve("odd.deb"), members);

        assertThat(problems(deb, "linux/amd64")).containsExactlyInAnyOrder(
                "odd.deb: debian-binary says '3.0', expected '2.0'",
                "odd.deb: unexpected archive member 'payload.sh'");
    }

    @Test
    void rejectsTraversalInMemberAndEntryNames() throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("debian-binary", "2.0\n".getBytes());
        members.put("control.tar.gz", TestDebs.tarGz(Map.of("./control", TestDebs.control("x", "all"))));
        members.put("data.tar.gz", TestDebs.tarGz(Map.of("./../../etc/cron.d/evil", "* * * * * root sh")));
        members.put("../../evil", "x".getBytes());
        Path deb = TestDebs.arArchive(dir.resolve("traversal.deb"), members);

        assertThat(problems(deb, "linux/amd64")).containsExactlyInAnyOrder(
                "traversal.deb data.tar.gz: entry './../../etc/cron.d/evil' points outside the package root",
                "traversal.deb: unexpected archive member '../../evil'");
    }

    @Test
    void rejectsAnArchitectureThatDoesNotRunOnTheTargetPlatform() throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("debian-binary", "2.0\n".getBytes());
        members.put("control.tar.xz", xzTar(TestDebs.control("tracker", "arm64")));
        members.put("data.tar.gz", TestDebs.tarGz(Map.of("./usr/bin/tracker", "x")));
        Path deb = TestDebs.arArchive(dir.resolve("tracker_arm64.deb"), members);

        assertThat(problems(deb, "linux/amd64")).containsExactly(
                "tracker_arm64.deb: Architecture 'arm64' does not run on linux/amd64 (needs 'amd64' or 'all')");
        assertThat(problems(deb, "linux/arm64")).isEmpty();
    }

    @Test
    void rejectsAPackageOverTheSizeLimit() throws IOException {
        Path deb = TestDebs.helloDeb(dir, "caravan-hello", "all", "gzip");
        DebInspector strict = new DebInspector(properties(DataSize.ofBytes(100)));
        List<String> problems = new ArrayList<>();

        assertThat(strict.inspect(deb, "caravan-hello.deb", "linux/amd64", problems)).isNull();
        assertThat(problems).singleElement().asString().contains("more than the limit of 100 bytes");
    }

    @Test
    void parsesContinuationLinesInControlFields() {
        Map<String, String> fields = DebInspector.parseControlFields(
                "Package: a\nDepends: libc6,\n libssl3\nDescription: short\n long line\n");

        assertThat(fields).containsEntry("Package", "a").containsEntry("Depends", "libc6,\nlibssl3");
    }

    private List<String> problems(Path deb, String platform) {
        List<String> problems = new ArrayList<>();
        DebPackage pkg = inspector.inspect(deb, deb.getFileName().toString(), platform, problems);
        assertThat(pkg == null).isEqualTo(!problems.isEmpty());
        return problems;
    }

    private static byte[] xzTar(String control) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (var xz = new org.apache.commons.compress.compressors.xz.XZCompressorOutputStream(bytes);
             var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(xz)) {
            byte[] content = control.getBytes(StandardCharsets.UTF_8);
            var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("./control");
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    private static String sha256(Path file) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static ProviderProperties properties(DataSize maxDebSize) {
        return new ProviderProperties(Path.of("inbox"), Path.of("work"), Path.of("rejected"),
                java.time.Duration.ofSeconds(1), Map.of(), maxDebSize, 20, 1, java.time.Duration.ofMinutes(1),
                java.time.Duration.ofSeconds(2), 50);
    }
}
