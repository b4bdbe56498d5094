package caravan.provider;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.lzma.LZMACompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;
import org.apache.commons.io.input.BoundedInputStream;
import org.springframework.stereotype.Component;

/**
 * Validates a .deb the way dpkg reads it: ar magic, {@code debian-binary} 2.0, a compressed control and data tar,
 * sane member and entry names, nothing truncated; then reads Package, Version, Architecture and Depends.
 */
@Component
public class DebInspector {

    private static final byte[] AR_MAGIC = "!<arch>\n".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern CONTROL_MEMBER = Pattern.compile("control\\.tar(\\.(gz|xz|zst))?");
    private static final Pattern DATA_MEMBER = Pattern.compile("data\\.tar(\\.(gz|xz|zst|bz2|lzma))?");
    /** dpkg ignores members starting with '_' (reserved for extensions); anything else is not a .deb we trust. */
    private static final Pattern EXTENSION_MEMBER = Pattern.compile("_[A-Za-z0-9._-]+");
    private static final int MAX_CONTROL_FILE_BYTES = 1 << 20;

    private final long maxSize;

    public DebInspector(ProviderProperties properties) {
        this.maxSize = properties.maxDebSize().toBytes();
    }

    /**
     * @param problems every problem found is added here, prefixed with {@code displayName}
     * @return the package, or null when a problem was found
     */
    public DebPackage inspect(Path file, String displayName, String targetPlatform, List<String> problems) {
        int problemsBefore = problems.size();
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            problems.add(displayName + ": cannot be read: " + e.getMessage());
            return null;
        }
        if (size > maxSize) {
            problems.add(displayName + ": " + size + " bytes is more than the limit of " + maxSize
                    + " bytes (caravan.providers.max-deb-size)");
            return null;
        }
        MessageDigest sha256 = sha256();
        Map<String, String> control = null;
        try (InputStream in = new BufferedInputStream(new DigestInputStream(Files.newInputStream(file), sha256))) {
            in.mark(AR_MAGIC.length);
            if (!Arrays.equals(in.readNBytes(AR_MAGIC.length), AR_MAGIC)) {
                problems.add(displayName + ": not a .deb (no ar archive magic '!<arch>')");
                return null;
            }
            in.reset();
            control = readMembers(in, displayName, problems);
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            problems.add(displayName + ": truncated or corrupt archive (" + describe(e) + ")");
        }
        if (control == null || problems.size() > problemsBefore) {
            return null;
        }
        String packageName = required(control, "Package", displayName, problems);
        String version = required(control, "Version", displayName, problems);
        String architecture = required(control, "Architecture", displayName, problems);
        String expectedArchitecture = MetadataParser.PLATFORM_ARCHITECTURES.get(targetPlatform);
        if (architecture != null && expectedArchitecture != null
                && !architecture.equals("all") && !architecture.equals(expectedArchitecture)) {
            problems.add(displayName + ": Architecture '" + architecture + "' does not run on " + targetPlatform
                    + " (needs '" + expectedArchitecture + "' or 'all')");
        }
        if (problems.size() > problemsBefore) {
            return null;
        }
        return new DebPackage(displayName, size, HexFormat.of().formatHex(sha256.digest()),
                packageName, version, architecture, control.getOrDefault("Depends", ""));
    }

    /** Reads the ar members after the magic; returns the control fields, or null if there is no usable control file. */
    private Map<String, String> readMembers(InputStream in, String displayName, List<String> problems) throws IOException {
        ArArchiveInputStream ar = new ArArchiveInputStream(in);
        Map<String, String> control = null;
        boolean sawDebianBinary = false;
        boolean sawData = false;
        int index = 0;
        ArArchiveEntry entry;
        while ((entry = ar.getNextEntry()) != null) {
            String name = entry.getName();
            BoundedInputStream member = BoundedInputStream.builder().setInputStream(ar).setMaxCount(entry.getLength())
                    .setPropagateClose(false).get();
            if (index == 0 && !name.equals("debian-binary")) {
                problems.add(displayName + ": first member is '" + printable(name) + "', expected 'debian-binary'");
            }
            if (name.equals("debian-binary")) {
                sawDebianBinary = true;
                String formatVersion = new String(member.readNBytes(64), StandardCharsets.US_ASCII).trim();
                if (!formatVersion.equals("2.0")) {
                    problems.add(displayName + ": debian-binary says '" + printable(formatVersion) + "', expected '2.0'");
                }
            } else if (CONTROL_MEMBER.matcher(name).matches()) {
                control = readControl(decompress(name, member), displayName, problems);
            } else if (DATA_MEMBER.matcher(name).matches()) {
                sawData = true;
                checkTarEntries(decompress(name, member), displayName + " " + name, problems);
            } else if (!EXTENSION_MEMBER.matcher(name).matches()) {
                problems.add(displayName + ": unexpected archive member '" + printable(name) + "'");
            }
            member.transferTo(OutputStream.nullOutputStream());
            if (member.getCount() < entry.getLength()) {
                problems.add(displayName + ": member '" + printable(name) + "' is truncated (" + member.getCount()
                        + " of " + entry.getLength() + " bytes)");
            }
            index++;
        }
        if (!sawDebianBinary) {
            problems.add(displayName + ": missing member 'debian-binary'");
        }
        if (control == null) {
            problems.add(displayName + ": missing or unreadable member 'control.tar.gz|xz|zst'");
        }
        if (!sawData) {
            problems.add(displayName + ": missing member 'data.tar.*'");
        }
        return control;
    }

    private Map<String, String> readControl(InputStream tarStream, String displayName, List<String> problems)
            throws IOException {
        Map<String, String> fields = null;
        TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            checkEntryName(entry.getName(), displayName + " control.tar", problems);
            if (entry.isFile() && (entry.getName().equals("./control") || entry.getName().equals("control"))) {
                byte[] bytes = tar.readNBytes(MAX_CONTROL_FILE_BYTES);
                fields = parseControlFields(new String(bytes, StandardCharsets.UTF_8));
            }
        }
        if (fields == null) {
            problems.add(displayName + ": control.tar has no 'control' file");
        }
        return fields;
    }

    private void checkTarEntries(InputStream tarStream, String where, List<String> problems) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            checkEntryName(entry.getName(), where, problems);
        }
    }

    private static void checkEntryName(String name, String where, List<String> problems) {
        String normalized = name.startsWith("./") ? name.substring(2) : name;
        if (normalized.startsWith("/") || List.of(normalized.split("/")).contains("..")) {
            problems.add(where + ": entry '" + printable(name) + "' points outside the package root");
        }
    }

    /** Debian control syntax: "Field: value", continuation lines start with a space or tab. */
    static Map<String, String> parseControlFields(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        String current = null;
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if ((line.startsWith(" ") || line.startsWith("\t")) && current != null) {
                fields.merge(current, "\n" + line.strip(), String::concat);
            } else {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    current = line.substring(0, colon).strip();
                    fields.put(current, line.substring(colon + 1).strip());
                }
            }
        }
        return fields;
    }

    private static InputStream decompress(String memberName, InputStream in) throws IOException {
        if (memberName.endsWith(".gz")) {
            return new GzipCompressorInputStream(in);
        } else if (memberName.endsWith(".xz")) {
            return new XZCompressorInputStream(in);
        } else if (memberName.endsWith(".zst")) {
            return new ZstdCompressorInputStream(in);
        } else if (memberName.endsWith(".bz2")) {
            return new BZip2CompressorInputStream(in);
        } else if (memberName.endsWith(".lzma")) {
            return new LZMACompressorInputStream(in);
        }
        return in;
    }

    private static String required(Map<String, String> control, String field, String displayName, List<String> problems) {
        String value = control.get(field);
        if (value == null || value.isBlank()) {
            problems.add(displayName + ": control file has no " + field + " field");
            return null;
        }
        return value;
    }

    private static String printable(String value) {
        return value.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
