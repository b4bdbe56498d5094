package caravan.provider;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import caravan.store.JsonColumns;
import org.springframework.transaction.annotation.Transactional;

/** The providers table. */
@Repository
public class ProviderStore {

    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonColumns json;

    public ProviderStore(JdbcClient jdbc, JsonColumns json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public List<Provider> all() {
        return jdbc.sql("SELECT * FROM providers ORDER BY provider_id").query(this::map).list();
    }

    public Optional<Provider> find(String providerId) {
        return jdbc.sql("SELECT * FROM providers WHERE provider_id = :id").param("id", providerId)
                .query(this::map).optional();
    }

    /** A .deb submission was accepted: record the metadata; the image fields keep the last good build until this one succeeds. */
    @Transactional
    public void recordSubmission(ProviderMetadata metadata, String buildId) {
        OffsetDateTime now = BuildStore.now();
        int updated = jdbc.sql("""
                UPDATE providers SET display_name = :displayName, version = :version, source = 'deb',
                    run_command = :runCommand, supported_lidars = :lidars, requires_gpu = :gpu,
                    ubuntu_base = :ubuntuBase, platform = :platform, trajectory_format = :format, last_build_id = :buildId,
                    updated_at = :now
                WHERE provider_id = :id""")
                .params(submissionParams(metadata, buildId, now)).update();
        if (updated == 0) {
            jdbc.sql("""
                    INSERT INTO providers (provider_id, display_name, version, source, run_command, supported_lidars,
                        requires_gpu, ubuntu_base, platform, trajectory_format, last_build_id, created_at, updated_at)
                    VALUES (:id, :displayName, :version, 'deb', :runCommand, :lidars, :gpu, :ubuntuBase, :platform,
                        :format, :buildId, :now, :now)""")
                    .params(submissionParams(metadata, buildId, now)).update();
        }
    }

    public void recordImage(String providerId, String dockerImage, String digest) {
        jdbc.sql("UPDATE providers SET docker_image_ref = :image, image_digest = :digest, updated_at = :now "
                        + "WHERE provider_id = :id")
                .param("image", dockerImage).param("digest", digest).param("now", BuildStore.now())
                .param("id", providerId).update();
    }

    /** Registers (or replaces) a provider that already is a Docker image. */
    @Transactional
    public Provider registerImage(ImageProvider registration, String digest) {
        OffsetDateTime now = BuildStore.now();
        jdbc.sql("DELETE FROM providers WHERE provider_id = :id").param("id", registration.providerId()).update();
        jdbc.sql("""
                INSERT INTO providers (provider_id, display_name, version, source, docker_image_ref, image_digest,
                    run_command, supported_lidars, requires_gpu, platform, trajectory_format, created_at, updated_at)
                VALUES (:id, :displayName, :version, 'image', :image, :digest, :runCommand, :lidars, :gpu, :platform,
                    :format, :now, :now)""")
                .param("id", registration.providerId())
                .param("displayName", registration.displayName())
                .param("version", registration.version())
                .param("image", registration.dockerImage())
                .param("digest", digest)
                .param("runCommand", registration.runCommand().isEmpty() ? null : json.write(registration.runCommand()))
                .param("lidars", json.write(registration.supportedLidars()))
                .param("gpu", registration.requiresGpu())
                .param("platform", registration.platform())
                .param("format", registration.trajectoryFormat())
                .param("now", now)
                .update();
        return find(registration.providerId()).orElseThrow();
    }

    private Map<String, Object> submissionParams(ProviderMetadata metadata, String buildId, OffsetDateTime now) {
        Map<String, Object> params = new HashMap<>();
        params.put("id", metadata.providerId());
        params.put("displayName", metadata.displayName());
        params.put("version", metadata.version());
        params.put("runCommand", json.write(metadata.runCommand()));
        params.put("lidars", json.write(metadata.supportedLidars()));
        params.put("gpu", metadata.requiresGpu());
        params.put("ubuntuBase", metadata.ubuntuBase());
        params.put("platform", metadata.platform());
        params.put("format", metadata.trajectoryFormat());
        params.put("buildId", buildId);
        params.put("now", now);
        return params;
    }

    private Provider map(ResultSet rs, int row) throws SQLException {
        try {
            String runCommand = rs.getString("run_command");
            return new Provider(
                    rs.getString("provider_id"),
                    rs.getString("display_name"),
                    rs.getString("version"),
                    rs.getString("source"),
                    rs.getString("docker_image_ref"),
                    rs.getString("image_digest"),
                    runCommand == null ? List.of() : json.read(runCommand, STRING_LIST),
                    json.read(rs.getString("supported_lidars"), STRING_LIST),
                    rs.getBoolean("requires_gpu"),
                    rs.getString("ubuntu_base"),
                    rs.getString("platform"),
                    rs.getString("trajectory_format"),
                    rs.getString("last_build_id"),
                    rs.getObject("created_at", OffsetDateTime.class),
                    rs.getObject("updated_at", OffsetDateTime.class));
        } catch (JsonProcessingException e) {
            throw new SQLException("provider " + rs.getString("provider_id") + " has unreadable JSON columns", e);
        }
    }
}
