package caravan.security;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import caravan.api.InputRejectedException;

/** The audit trail: every state-changing request and every refused credential, as a row and as a log line. */
@Repository
public class AuditLog {

    /** One audited act. */
    public record Entry(long auditId, Instant at, String actor, String action, String target, String outcome,
            String sourceAddress) {
    }

    private static final Logger log = LoggerFactory.getLogger("caravan.audit");

    private final JdbcClient jdbc;
    private final Counter unstored;

    public AuditLog(JdbcClient jdbc, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.unstored = Counter.builder("caravan.audit.unstored")
                .description("audit entries logged but not stored (the database refused them)").register(meters);
    }

    /** Logs the entry, then stores it; an entry the database refuses stays in the log and is counted. */
    public void record(String actor, String action, String target, String outcome, String sourceAddress) {
        Instant at = Instant.now();
        log.atInfo().addKeyValue("actor", actor).addKeyValue("action", action).addKeyValue("target", target)
                .addKeyValue("outcome", outcome).addKeyValue("source", sourceAddress)
                .log("audit: {} {} {} -> {} from {}", actor, action, target, outcome, sourceAddress);
        try {
            jdbc.sql("""
                    INSERT INTO audit (at, actor, action, target, outcome, source_address)
                    VALUES (:at, :actor, :action, :target, :outcome, :source)""")
                    .param("at", at.atOffset(ZoneOffset.UTC)).param("actor", clip(actor, 255))
                    .param("action", clip(action, 255)).param("target", clip(target, 1024))
                    .param("outcome", clip(outcome, 255)).param("source", clip(sourceAddress, 64))
                    .update();
        } catch (DataAccessException e) {
            unstored.increment();
            log.error("audit entry above not stored: {}", e.getMessage());
        }
    }

    /**
     * Newest first. Each filter is optional: {@code actor} and {@code action} match exactly, {@code since} is an
     * ISO-8601 instant; {@code limit} at most 1000, default 100.
     */
    public List<Entry> find(String actor, String action, String since, Integer limit) {
        Instant from;
        try {
            from = since == null || since.isBlank() ? Instant.EPOCH : Instant.parse(since);
        } catch (DateTimeParseException e) {
            throw new InputRejectedException(List.of("since must be an ISO-8601 time such as 2027-01-31T00:00:00Z"));
        }
        return jdbc.sql("""
                SELECT * FROM audit
                WHERE (:actor = '' OR actor = :actor) AND (:action = '' OR action = :action) AND at >= :since
                ORDER BY audit_id DESC LIMIT :limit""")
                .param("actor", actor == null ? "" : actor).param("action", action == null ? "" : action)
                .param("since", from.atOffset(ZoneOffset.UTC))
                .param("limit", limit == null ? 100 : Math.max(1, Math.min(limit, 1000)))
                .query(AuditLog::map).list();
    }

    private static String clip(String value, int length) {
        String text = value == null ? "" : value;
        return text.length() <= length ? text : text.substring(0, length);
    }

    private static Entry map(ResultSet rs, int row) throws SQLException {
        return new Entry(rs.getLong("audit_id"), rs.getObject("at", OffsetDateTime.class).toInstant(),
                rs.getString("actor"), rs.getString("action"), rs.getString("target"), rs.getString("outcome"),
                rs.getString("source_address"));
    }
}
