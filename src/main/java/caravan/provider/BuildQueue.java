package caravan.provider;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Component;

import caravan.hub.HubInstance;

/**
 * The build queue shared by the hubs on one database (route provider-build-claim): a hub claims queued builds for a
 * lease it renews while it holds them, as many as it has free build slots; a build whose hub died is claimed again,
 * from its first step, once the lease has run out (every step is repeatable).
 */
@Component
public class BuildQueue {

    private final BuildStore builds;
    private final BuildLog buildLog;
    private final ProviderProperties properties;
    private final HubInstance hub;

    public BuildQueue(BuildStore builds, BuildLog buildLog, ProviderProperties properties, HubInstance hub) {
        this.builds = builds;
        this.buildLog = buildLog;
        this.properties = properties;
        this.hub = hub;
    }

    /**
     * Renews this hub's claims and claims the oldest builds no running hub holds, up to its free slots, among those
     * whose inputs it keeps (under its work dir or inbox, which the hubs building together share). Returns the
     * claimed build ids, oldest first. Synchronized: the poll and an upload must not both fill the same free slot.
     */
    public synchronized List<String> claim() {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        OffsetDateTime until = now.plus(properties.buildLease());
        int free = properties.buildParallelism() - builds.renewClaims(hub.id(), until);
        List<String> claimed = new ArrayList<>();
        for (Build build : builds.claimable(now)) {
            if (claimed.size() >= free) {
                break;
            }
            if (keepsInputs(build) && builds.claim(build.buildId(), hub.id(), until, now)) {
                buildLog.append(build.buildId(), build.status() == BuildStatus.QUEUED
                        ? "taken by hub " + hub.id()
                        : "taken by hub " + hub.id() + " from the first step: its hub stopped while " + build.status().wire());
                claimed.add(build.buildId());
            }
        }
        return claimed;
    }

    private boolean keepsInputs(Build build) {
        return List.of(properties.workDir(), properties.inbox()).stream()
                .map(dir -> dir.toAbsolutePath().normalize())
                .anyMatch(build.inputDir()::startsWith);
    }
}
