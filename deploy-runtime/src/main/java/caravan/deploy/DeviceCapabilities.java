package caravan.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What an edge can hold, as its agent reports it with each heartbeat or the hub's SSH probe finds it: the hub refuses a
 * workload that asks for more before anything is touched. A value nobody could learn is null.
 *
 * @param arch          the CPU architecture as the engine names it (x86_64, aarch64)
 * @param cpus          CPUs the engine may use
 * @param memoryMb      memory of the engine's machine
 * @param freeDiskMb    free disk where images go
 * @param gpu           an NVIDIA GPU (a Jetson's {@code /etc/nv_tegra_release}, or {@code nvidia-smi})
 * @param dockerVersion the engine's version
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DeviceCapabilities(String arch, Integer cpus, Long memoryMb, Long freeDiskMb, Boolean gpu,
        String dockerVersion) {

    private static final long MB = 1024 * 1024;

    /** The engine's machine as {@code runtime} sees it, with the free disk and GPU found beside it. */
    public static DeviceCapabilities of(ContainerRuntime.Capacity capacity, Long freeDiskBytes, Boolean gpu) {
        return new DeviceCapabilities(capacity.architecture(), capacity.cpus() > 0 ? capacity.cpus() : null,
                capacity.memoryBytes() > 0 ? capacity.memoryBytes() / MB : null,
                freeDiskBytes == null ? null : freeDiskBytes / MB, gpu, capacity.dockerVersion());
    }

    /** A GPU on this machine: a Jetson's release file, or NVIDIA's driver tool on the PATH. */
    public static boolean localGpu() {
        if (Files.exists(Path.of("/etc/nv_tegra_release"))) {
            return true;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvidia-smi"))) {
                return true;
            }
        }
        return false;
    }
}
