package caravan.hub;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

/**
 * Work the hubs on one database share through a table (builds, model deployments): a hub claims work for a lease it
 * renews while it runs it, as much as it has slots for. Work whose hub died is claimed again once its lease has run
 * out, and work whose hub stopped gracefully at once. Work queued less than an accepter's turn ago is left to the hub
 * whose request queued it, which claims it first.
 */
public class SharedQueue<W extends SharedQueue.Work> {

    private static final Logger LOG = LoggerFactory.getLogger(SharedQueue.class);

    /** A row of the table, as claiming it needs. */
    public interface Work {
        String workId();

        /** The hub that claimed it last; null while none has. */
        String claimedBy();

        OffsetDateTime createdAt();
    }

    /** The table: one conditional update per claim, so that of two hubs claiming at once one wins. */
    public interface Table<W> {
        /** Unfinished work no running hub holds (never claimed, or its lease ran out), oldest first. */
        List<W> claimable(OffsetDateTime now);

        /** Claims the work for {@code hub} until {@code until} unless a running hub holds it; true when it got it. */
        boolean claim(String workId, String hub, OffsetDateTime until, OffsetDateTime now);

        /** Extends the lease of {@code running} and lets go of the hub's other unfinished work, for any hub to claim. */
        void renewClaims(String hub, Collection<String> running, OffsetDateTime until);
    }

    private final String what;
    private final Table<W> table;
    private final String hub;
    private final Duration lease;
    private final Duration acceptersTurn;
    /** The work this hub runs: claimed, and not done yet. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    /** {@code what}: the work's name in the log, as "Builds". */
    public SharedQueue(String what, Table<W> table, String hub, Duration lease, Duration acceptersTurn) {
        this.what = what;
        this.table = table;
        this.hub = hub;
        this.lease = lease;
        this.acceptersTurn = acceptersTurn;
    }

    /**
     * Renews this hub's claims and claims work no running hub holds while fewer than {@code slots} run here: first
     * {@code accepted} (what a request to this hub just queued; null for a poll), then the oldest that {@code runsHere}.
     * Returns the work claimed, as it was before the claim. Synchronized: a poll and a request must not both fill the
     * same free slot.
     */
    public synchronized List<W> claim(String accepted, int slots, Predicate<W> runsHere) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        OffsetDateTime until = now.plus(lease);
        OffsetDateTime acceptersTurnEnds = now.minus(acceptersTurn);
        table.renewClaims(hub, Set.copyOf(running), until);
        List<W> candidates = new ArrayList<>(table.claimable(now));
        candidates.sort(Comparator.comparing(work -> !work.workId().equals(accepted)));
        List<W> claimed = new ArrayList<>();
        for (W work : candidates) {
            if (running.size() >= slots) {
                break;
            }
            // work still running here (its claim ran out under a paused hub) waits for its run to stop first
            boolean mayTake = !running.contains(work.workId()) && (work.workId().equals(accepted)
                    || work.claimedBy() != null || work.createdAt().isBefore(acceptersTurnEnds));
            if (mayTake && runsHere.test(work) && table.claim(work.workId(), hub, until, now)) {
                running.add(work.workId());
                claimed.add(work);
            }
        }
        return claimed;
    }

    /** The work ended here, whichever way: its slot is free. */
    public void done(String workId) {
        running.remove(workId);
    }

    /** Stopping: the work this hub had not finished is free for the other hubs now, not once the lease runs out. */
    public void releaseAll() {
        running.clear();
        try {
            table.renewClaims(hub, Set.of(), OffsetDateTime.now(ZoneOffset.UTC));
        } catch (DataAccessException e) {
            LOG.info("{} held by {} not released ({}): their claims run out within {}", what, hub,
                    e.getMostSpecificCause().getMessage(), lease);
        }
    }
}
