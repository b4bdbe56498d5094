package caravan.provider;

import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

import caravan.hub.HubInstance;

/**
 * The build queue shared by the hubs on one database (route provider-build-claim): a hub claims queued builds for a
 * lease it renews while it runs them, as many as it has free build slots; a build whose hub died is claimed again,
 * from its first step, once the lease has run out (every step is repeatable), and one whose hub stopped gracefully at
 * once.
 */
@Component
public class BuildQueue {

    private static final Logger LOG = LoggerFactory.getLogger(BuildQueue.class);

    private final BuildStore builds;
    private final BuildLog buildLog;
    private final ProviderProperties properties;
    private final HubInstance hub;
    /** The builds this hub is running: claimed, and not yet through the provider-build route. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    public BuildQueue(BuildStore builds, BuildLog buildLog, ProviderProperties properties, HubInstance hub) {
        this.builds = builds;
        this.buildLog = buildLog;
        this.properties = properties;
        this.hub = hub;
    }

    /**
     * Renews this hub's claims and claims builds no running hub holds, up to its free slots: first {@code uploaded}
     * (the build an upload to this hub just queued, so that it runs under the request that brought it; null for the
     * poll), then the oldest among those whose inputs this hub keeps (under its work dir or inbox, which the hubs
     * building together share). A build queued less than a poll ago is left to the hub that took its upload. Returns
     * the claimed build ids. Synchronized: the poll and an upload must not both fill the same free slot.
     */
    public synchronized List<String> claim(String uploaded) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        OffsetDateTime until = now.plus(properties.buildLease());
        OffsetDateTime uploadersTurnEnds = now.minus(properties.buildPollPeriod());
        builds.renewClaims(hub.id(), Set.copyOf(running), until);
        int free = properties.buildParallelism() - running.size();
        List<Build> candidates = new ArrayList<>(builds.claimable(now));
        candidates.sort((a, b) -> Boolean.compare(!a.buildId().equals(uploaded), !b.buildId().equals(uploaded)));
        List<String> claimed = new ArrayList<>();
        for (Build build : candidates) {
            if (claimed.size() >= free) {
                break;
            }
            boolean mayTake = build.buildId().equals(uploaded) || build.claimedBy() != null
                    || build.createdAt().isBefore(uploadersTurnEnds);
            if (mayTake && keepsInputs(build) && take(build, until, now)) {
                claimed.add(build.buildId());
            }
        }
        return claimed;
    }

    /** The build went through the provider-build route, whichever way it ended: its slot is free. */
    public void done(String buildId) {
        running.remove(buildId);
    }

    /** Stopping: the builds this hub was running are free for the other hubs now, not once their lease runs out. */
    @PreDestroy
    public void releaseAll() {
        running.clear();
        try {
            builds.renewClaims(hub.id(), Set.of(), OffsetDateTime.now(ZoneOffset.UTC));
        } catch (DataAccessException e) {
            LOG.info("Builds held by {} not released ({}): their claims run out within {}", hub.id(),
                    e.getMostSpecificCause().getMessage(), properties.buildLease());
        }
    }

    private boolean take(Build build, OffsetDateTime until, OffsetDateTime now) {
        if (!builds.claim(build.buildId(), hub.id(), until, now)) {
            return false;
        }
        running.add(build.buildId());
        try {
            buildLog.append(build.buildId(), build.status() == BuildStatus.QUEUED
                    ? "taken by hub " + hub.id()
                    : "taken by hub " + hub.id() + " from the first step: its hub stopped while " + build.status().wire());
        } catch (UncheckedIOException e) {
            LOG.warn("Build {}: {}", build.buildId(), e.getMessage()); // the build's own steps will say more
        }
        return true;
    }

    private boolean keepsInputs(Build build) {
        return List.of(properties.workDir(), properties.inbox()).stream()
                .map(dir -> dir.toAbsolutePath().normalize())
                .anyMatch(build.inputDir()::startsWith);
    }
}
