package caravan.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Real .deb packages for tests: built with dpkg-deb, or crafted member by member to be broken on purpose. */
public final class TestDebs {

    public static final String HELLO_LINE = "hello from caravan-test";

    private TestDebs() {
    }

    /**
     * A package whose program {@code /usr/bin/<name>} prints {@link #HELLO_LINE} and then each argument as
     * {@code arg=[value]}, built with {@code dpkg-deb --build}.
     */
    public static Path helloDeb(Path dir, String name, String architecture, String compression) throws IOException {
        return helloDeb(dir, name, architecture, compression, null);
    }

    /** As {@link #helloDeb(Path, String, String, String)}, with {@code postinst} as its maintainer script, if any. */
    public static Path helloDeb(Path dir, String name, String architecture, String compression, String postinst)
            throws IOException {
        Path root = dir.resolve(name + "-root");
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.createDirectories(root.resolve("usr/bin"));
        Files.writeString(root.resolve("DEBIAN/control"), """
                Package: %s
                Version: 1.0.0
                Architecture: %s
                Maintainer: Caravan Tests <tests@caravan.invalid>
                Depends: libc6
                Description: prints a known line
                 and its arguments, one per line.
                """.formatted(name, architecture));
        Path program = root.resolve("usr/bin/" + name);
        Files.writeString(program, """
                #!/bin/sh
                echo "%s"
                for arg in "$@"; do printf 'arg=[%%s]\\n' "$arg"; done
                """.formatted(HELLO_LINE));
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (postinst != null) {
            Path script = root.resolve("DEBIAN/postinst");
            Files.writeString(script, postinst);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path deb = dir.resolve(name + ".deb");
        run(dir, "dpkg-deb", "-Z" + compression, "--root-owner-group", "--build", root.toString(), deb.toString());
        return deb;
    }

    /** An ar archive with exactly the given members, in order; lets tests break a .deb in any way dpkg-deb won't. */
    public static Path arArchive(Path file, Map<String, byte[]> members) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ArArchiveOutputStream ar = new ArArchiveOutputStream(out)) {
            ar.setLongFileMode(ArArchiveOutputStream.LONGFILE_BSD);
            for (Map.Entry<String, byte[]> member : members.entrySet()) {
                ar.putArchiveEntry(new ArArchiveEntry(member.getKey(), member.getValue().length));
                ar.write(member.getValue());
                ar.closeArchiveEntry();
            }
        }
        return file;
    }

    /** A gzipped tar with the given entries. */
    public static byte[] tarGz(Map<String, String> entries) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(bytes);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            for (Map.Entry<String, String> entry : entries.entrySet()) {
                byte[] content = entry.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry tarEntry = new TarArchiveEntry(entry.getKey());
                tarEntry.setSize(content.length);
                tar.putArchiveEntry(tarEntry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    public static String control(String packageName, String architecture) {
        return "Package: " + packageName + "\nVersion: 1.0\nArchitecture: " + architecture + "\nDescription: x\n";
    }

    static void run(Path dir, String... command) throws IOException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
