package caravan.provider;

import java.io.UncheckedIOException;
import java.util.List;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import caravan.hub.HubInstance;
import caravan.hub.SharedQueue;

/**
 * The build queue shared by the hubs on one database (route provider-build-claim, a {@link SharedQueue} on the
 * provider_builds table): a build whose hub died is claimed again, from its first step (every step is repeatable).
 * A hub builds only what it keeps the inputs of.
 */
@Component
public class BuildQueue {

    private static final Logger LOG = LoggerFactory.getLogger(BuildQueue.class);

    private final BuildLog buildLog;
    private final ProviderProperties properties;
    private final HubInstance hub;
    private final SharedQueue<Build> queue;

    public BuildQueue(BuildStore builds, BuildLog buildLog, ProviderProperties properties, HubInstance hub) {
        this.buildLog = buildLog;
        this.properties = properties;
        this.hub = hub;
        this.queue = new SharedQueue<>("Builds", builds, hub.id(), properties.buildLease(), properties.buildPollPeriod());
    }

    /**
     * Renews this hub's claims and claims builds up to its build parallelism: first {@code uploaded} (the build an
     * upload to this hub just queued, so that it runs under the request that brought it; null for the poll), then the
     * oldest among those whose inputs this hub keeps (under its work dir or inbox, which the hubs building together
     * share). Returns the claimed build ids.
     */
    public List<String> claim(String uploaded) {
        List<Build> claimed = queue.claim(uploaded, properties.buildParallelism(), this::keepsInputs);
        claimed.forEach(this::logTaken);
        return claimed.stream().map(Build::buildId).toList();
    }

    /** The build went through the provider-build route, whichever way it ended: its slot is free. */
    public void done(String buildId) {
        queue.done(buildId);
    }

    /** Stopping: the builds this hub was running are free for the other hubs now, not once their lease runs out. */
    @PreDestroy
    public void releaseAll() {
        queue.releaseAll();
    }

    private void logTaken(Build build) {
        try {
            buildLog.append(build.buildId(), build.status() == BuildStatus.QUEUED
                    ? "taken by hub " + hub.id()
                    : "taken by hub " + hub.id() + " from the first step: its hub stopped while " + build.status().wire());
        } catch (UncheckedIOException e) {
            LOG.warn("Build {}: {}", build.buildId(), e.getMessage()); // the build's own steps will say more
        }
    }

    private boolean keepsInputs(Build build) {
        return List.of(properties.workDir(), properties.inbox()).stream()
                .map(dir -> dir.toAbsolutePath().normalize())
                .anyMatch(build.inputDir()::startsWith);
    }
}
