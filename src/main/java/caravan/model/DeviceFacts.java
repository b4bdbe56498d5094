package caravan.model;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import caravan.ssh.SshSession;
import caravan.ssh.SshSession.Result;

/** What the hub asks a device over SSH before it deploys to it, and when an operator tests it. */
final class DeviceFacts {

    private DeviceFacts() {
    }

    /** The CPU architecture, as {@code uname -m} prints it (aarch64 on a Jetson). */
    static String arch(SshSession session, Duration timeout) {
        return checked(session, List.of("uname", "-m"), timeout).stdout().strip();
    }

    /** Megabytes free where models go: {@code dir} if it exists, else the SSH user's home. */
    static long freeDiskMb(SshSession session, String dir, Duration timeout) {
        String where = Files.isDirectory(session.path(dir)) ? dir : ".";
        String[] lines = checked(session, List.of("df", "-Pk", where), timeout).stdout().strip().split("\n");
        String[] columns = lines[lines.length - 1].trim().split("\\s+");
        try {
            return Long.parseLong(columns[3]) / 1024;
        } catch (RuntimeException e) {
            throw new IllegalStateException("df printed no free space the hub can read: " + lines[lines.length - 1], e);
        }
    }

    /** CPUs online. */
    static int cpus(SshSession session, Duration timeout) {
        return Integer.parseInt(checked(session, List.of("getconf", "_NPROCESSORS_ONLN"), timeout).stdout().strip());
    }

    /** Megabytes of memory, from {@code MemTotal} in {@code /proc/meminfo}. */
    static long memoryMb(SshSession session, Duration timeout) {
        for (String line : checked(session, List.of("cat", "/proc/meminfo"), timeout).stdout().split("\n")) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IllegalStateException("/proc/meminfo has no MemTotal line");
    }

    /** The Docker engine's version, or null where there is none the SSH user may ask. */
    static String dockerVersion(SshSession session, Duration timeout) {
        Result result = session.run(List.of("docker", "version", "--format", "{{.Server.Version}}"), timeout);
        return result.ok() ? result.stdout().strip() : null;
    }

    /** A Jetson ({@code /etc/nv_tegra_release}) or a machine with NVIDIA's driver ({@code nvidia-smi}). */
    static boolean hasGpu(SshSession session, Duration timeout) {
        return session.run(List.of("sh", "-c", "test -e /etc/nv_tegra_release || command -v nvidia-smi"), timeout).ok();
    }

    static Result checked(SshSession session, List<String> command, Duration timeout) {
        Result result = session.run(command, timeout);
        if (!result.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode() + ": "
                    + (result.stdout() + result.stderr()).strip());
        }
        return result;
    }
}
