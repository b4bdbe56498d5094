package caravan.provider;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import caravan.hub.SharedQueue;
import caravan.store.JsonColumns;

/**
 * The provider_builds table, and the build queue of the hubs sharing it. Every status change is written here, so a
 * restart, and any other hub, knows where each build was.
 */
@Repository
public class BuildStore implements SharedQueue.Table<Build> {

    private static final TypeReference<List<DebPackage>> DEB_LIST = new TypeReference<>() { };
    private static final String UNFINISHED = "('QUEUED', 'VALIDATING', 'BUILDING', 'PUSHING')";

    private final JdbcClient jdbc;
    private final JsonColumns json;

    public BuildStore(JdbcClient jdbc, JsonColumns json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void insert(Build build) {
        jdbc.sql("""
                INSERT INTO provider_builds (build_id, provider_id, status, step, total_steps, source, input_dir,
                    metadata, deb_files, inputs_hash, started_by, created_at, updated_at)
                VALUES (:buildId, :providerId, :status, :step, :totalSteps, :source, :inputDir,
                    :metadata, :debFiles, :inputsHash, :startedBy, :now, :now)""")
                .param("buildId", build.buildId())
                .param("providerId", build.providerId())
                .param("status", build.status().name())
                .param("step", build.step())
                .param("totalSteps", build.totalSteps())
                .param("source", build.source())
                .param("inputDir", build.inputDir().toAbsolutePath().normalize().toString())
                .param("metadata", json.write(build.metadata()))
                .param("debFiles", json.write(build.debFiles()))
                .param("inputsHash", build.inputsHash())
                .param("startedBy", build.startedBy())
                .param("now", now())
                .update();
    }

    public Optional<Build> find(String buildId) {
        return jdbc.sql("SELECT * FROM provider_builds WHERE build_id = :id").param("id", buildId)
                .query(this::map).optional();
    }

    public Build get(String buildId) {
        return find(buildId).orElseThrow(() -> new IllegalStateException("build " + buildId + " is not in the store"));
    }

    public List<Build> forProvider(String providerId) {
        return jdbc.sql("SELECT * FROM provider_builds WHERE provider_id = :id ORDER BY created_at DESC")
                .param("id", providerId).query(this::map).list();
    }

    /** The newest succeeded build with the same inputs and target image, if any. */
    public Optional<Build> findReusable(String inputsHash, String dockerImageRef, String excludingBuildId) {
        return jdbc.sql("""
                SELECT * FROM provider_builds
                WHERE inputs_hash = :hash AND status = 'SUCCEEDED' AND docker_image_ref = :ref AND build_id <> :id
                ORDER BY finished_at DESC LIMIT 1""")
                .param("hash", inputsHash).param("ref", dockerImageRef).param("id", excludingBuildId)
                .query(this::map).optional();
    }

    /** Moves the build to a stage, if {@code hub} still holds it; false when another hub took it over. */
    public boolean advance(String buildId, BuildStatus status, int step, int totalSteps, String hub) {
        return jdbc.sql("UPDATE provider_builds SET status = :status, step = :step, total_steps = :total, "
                        + "updated_at = :now WHERE build_id = :id AND claimed_by = :hub")
                .param("status", status.name()).param("step", step).param("total", totalSteps)
                .param("now", now()).param("id", buildId).param("hub", hub).update() == 1;
    }

    public void recordImage(String buildId, String dockerImageRef, String imageId) {
        jdbc.sql("UPDATE provider_builds SET docker_image_ref = :ref, image_id = :imageId, updated_at = :now "
                        + "WHERE build_id = :id")
                .param("ref", dockerImageRef).param("imageId", imageId).param("now", now()).param("id", buildId)
                .update();
    }

    public void recordDigest(String buildId, String digest) {
        jdbc.sql("UPDATE provider_builds SET image_digest = :digest, updated_at = :now WHERE build_id = :id")
                .param("digest", digest).param("now", now()).param("id", buildId).update();
    }

    /** The build takes the image of an earlier build with the same inputs. */
    public void recordReuse(String buildId, Build source) {
        jdbc.sql("""
                UPDATE provider_builds SET docker_image_ref = :ref, image_id = :imageId, image_digest = :digest,
                    reused_from = :reusedFrom, updated_at = :now
                WHERE build_id = :id""")
                .param("ref", source.dockerImageRef()).param("imageId", source.imageId())
                .param("digest", source.imageDigest()).param("reusedFrom", source.buildId())
                .param("now", now()).param("id", buildId).update();
    }

    /** As {@link #advance}: false when another hub took the build over. */
    public boolean succeed(String buildId, String hub) {
        return jdbc.sql("""
                UPDATE provider_builds SET status = 'SUCCEEDED', step = total_steps, error = NULL,
                    updated_at = :now, finished_at = :now
                WHERE build_id = :id AND claimed_by = :hub""")
                .param("now", now()).param("id", buildId).param("hub", hub).update() == 1;
    }

    /** As {@link #advance}: false when another hub took the build over. */
    public boolean fail(String buildId, String error, String hub) {
        return jdbc.sql("UPDATE provider_builds SET status = 'FAILED', error = :error, updated_at = :now, "
                        + "finished_at = :now WHERE build_id = :id AND claimed_by = :hub")
                .param("error", error).param("now", now()).param("id", buildId).param("hub", hub).update() == 1;
    }

    /** Unfinished builds that no running hub holds (never claimed, or their claim's lease ran out), oldest first. */
    public List<Build> claimable(OffsetDateTime now) {
        return jdbc.sql("SELECT * FROM provider_builds WHERE status IN " + UNFINISHED
                        + " AND (claimed_until IS NULL OR claimed_until < :now) ORDER BY created_at")
                .param("now", now).query(this::map).list();
    }

    /**
     * Claims the build for {@code hub} until {@code until} unless another hub holds it, and queues it from its first
     * step; true when the hub got it. One conditional update: of two hubs claiming at once, one wins.
     */
    public boolean claim(String buildId, String hub, OffsetDateTime until, OffsetDateTime now) {
        return jdbc.sql("UPDATE provider_builds SET claimed_by = :hub, claimed_until = :until, status = 'QUEUED', "
                        + "step = 0, updated_at = :now WHERE build_id = :id AND status IN " + UNFINISHED
                        + " AND (claimed_until IS NULL OR claimed_until < :now)")
                .param("hub", hub).param("until", until).param("now", now).param("id", buildId).update() == 1;
    }

    /**
     * Extends the lease of the builds {@code hub} is running, and lets go of any other unfinished build claimed in its
     * name (one whose start failed after the claim, or every one when the hub stops), for any hub to claim at once.
     */
    public void renewClaims(String hub, Collection<String> running, OffsetDateTime until) {
        if (!running.isEmpty()) {
            jdbc.sql("UPDATE provider_builds SET claimed_until = :until WHERE claimed_by = :hub AND build_id IN (:ids)")
                    .param("until", until).param("hub", hub).param("ids", running).update();
        }
        jdbc.sql("UPDATE provider_builds SET claimed_until = NULL WHERE claimed_by = :hub AND claimed_until IS NOT NULL "
                        + "AND status IN " + UNFINISHED + (running.isEmpty() ? "" : " AND build_id NOT IN (:ids)"))
                .param("hub", hub).params(running.isEmpty() ? Map.of() : Map.of("ids", running)).update();
    }

    private Build map(ResultSet rs, int row) throws SQLException {
        try {
            return new Build(
                    rs.getString("build_id"),
                    rs.getString("provider_id"),
                    BuildStatus.valueOf(rs.getString("status")),
                    rs.getInt("step"),
                    rs.getInt("total_steps"),
                    rs.getString("source"),
                    Path.of(rs.getString("input_dir")),
                    json.read(rs.getString("metadata"), ProviderMetadata.class),
                    json.read(rs.getString("deb_files"), DEB_LIST),
                    rs.getString("inputs_hash"),
                    rs.getString("docker_image_ref"),
                    rs.getString("image_id"),
                    rs.getString("image_digest"),
                    rs.getString("reused_from"),
                    rs.getString("error"),
                    rs.getObject("created_at", OffsetDateTime.class),
                    rs.getObject("updated_at", OffsetDateTime.class),
                    rs.getObject("finished_at", OffsetDateTime.class),
                    rs.getString("started_by"),
                    rs.getString("claimed_by"));
        } catch (JsonProcessingException e) {
            throw new SQLException("build " + rs.getString("build_id") + " has unreadable JSON columns", e);
        }
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
