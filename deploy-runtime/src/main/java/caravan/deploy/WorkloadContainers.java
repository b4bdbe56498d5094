package caravan.deploy;

import java.io.IOException;
import java.util.Optional;

import caravan.deploy.ContainerRuntime.Capacity;
import caravan.deploy.ContainerRuntime.ContainerSpec;

/**
 * The steps every runtime takes for a named workload container, whichever engine it runs on: what the engine's
 * machine can hold is checked before anything is touched, and only a container Caravan made for the same workload
 * is ever replaced.
 */
public final class WorkloadContainers {

    private WorkloadContainers() {
    }

    /** Refuses {@code spec} when it asks for more CPUs or memory than the engine's machine has. */
    public static void checkCapacity(ContainerRuntime runtime, ContainerSpec spec, String where) {
        Capacity capacity = runtime.capacity();
        if (capacity.memoryBytes() > 0 && spec.memoryBytes() > capacity.memoryBytes()) {
            throw new CapacityException(where + " has " + mb(capacity.memoryBytes()) + " of memory, the workload asks "
                    + "for " + mb(spec.memoryBytes()));
        }
        if (capacity.cpus() > 0 && spec.cpus() > capacity.cpus()) {
            throw new CapacityException(where + " has " + capacity.cpus() + " CPUs, the workload asks for " + spec.cpus());
        }
    }

    /**
     * As {@link #checkCapacity}, on an engine whose disk is at hand (an edge's): and room for the image when it still
     * has to be pulled, {@code minFreeBytes} staying free.
     */
    public static void checkRoom(ContainerRuntime runtime, ContainerSpec spec, String where, long minFreeBytes) {
        checkCapacity(runtime, spec, where);
        if (!runtime.imagePresent(spec.image())) {
            long free;
            try {
                free = runtime.freeDisk();
            } catch (IOException e) {
                throw new IllegalStateException("the free disk of " + where + " could not be read: " + e.getMessage(), e);
            }
            if (free < minFreeBytes) {
                throw new CapacityException(where + " has " + mb(free) + " of disk free, " + mb(minFreeBytes)
                        + " must stay free to pull " + spec.image());
            }
        }
    }

    /**
     * Removes the workload's current container and runs the new one; a container of that name that is not this
     * workload's is left alone and refused. Returns the new container's id.
     */
    public static String replace(ContainerRuntime runtime, ContainerSpec spec, String where) {
        String workloadId = spec.labels().get(ContainerRuntime.WORKLOAD_LABEL);
        Optional<ContainerRuntime.ContainerState> existing = runtime.state(spec.name());
        if (existing.isPresent() && !workloadId.equals(existing.get().workloadId())) {
            throw new IllegalStateException("a container named " + spec.name() + " that is not workload " + workloadId
                    + " runs on " + where + "; it was left as it is");
        }
        existing.ifPresent(container -> runtime.remove(spec.name()));
        return runtime.run(spec);
    }

    private static String mb(long bytes) {
        return bytes / (1024 * 1024) + " MB";
    }

    /** The workload asks for more than the machine it is meant for has. */
    public static class CapacityException extends RuntimeException {
        public CapacityException(String message) {
            super(message);
        }
    }
}
