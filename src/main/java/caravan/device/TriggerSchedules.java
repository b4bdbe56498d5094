package caravan.device;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TimeZone;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.quartz.CronExpression;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import caravan.api.NotFoundException;
import caravan.api.Problems;
import caravan.device.DeviceCommands.DeviceCommand;
import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.store.JsonColumns;

/**
 * Captures scheduled in the cloud (the reference's TriggerScheduler): a Quartz cron in a time zone, for a list of
 * devices or a label selector (matched when it fires). Each version of a schedule is one Quartz trigger, run by a
 * route made from the {@code trigger-schedule} template ({@link TriggerScheduleRoutes}).
 */
@Component
public class TriggerSchedules {

    /** {@code POST /api/trigger-schedules} and {@code PUT /api/trigger-schedules/{id}}. */
    public record ScheduleRequest(List<String> deviceIds, Map<String, String> selector, String cron, String timezone,
            Boolean enabled) {
    }

    public record Schedule(String scheduleId, List<String> deviceIds, Map<String, String> selector, String cron,
            String timezone, boolean enabled, int version, String createdBy, OffsetDateTime createdAt,
            OffsetDateTime updatedAt, OffsetDateTime lastFiredAt, OffsetDateTime nextFireAt) {

        /** The Quartz trigger (and route) of this version. */
        public String key() {
            return scheduleId + "-v" + version;
        }
    }

    private static final TypeReference<List<String>> IDS = new TypeReference<>() { };
    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonColumns json;
    private final EdgeRegistry registry;
    private final DeviceTriggers triggers;

    public TriggerSchedules(JdbcClient jdbc, JsonColumns json, EdgeRegistry registry, DeviceTriggers triggers) {
        this.jdbc = jdbc;
        this.json = json;
        this.registry = registry;
        this.triggers = triggers;
    }

    @Transactional
    public Schedule create(ScheduleRequest request, String actor) {
        validate(request);
        String scheduleId = UUID.randomUUID().toString();
        OffsetDateTime now = DeviceCommands.now();
        jdbc.sql("INSERT INTO trigger_schedules (schedule_id, device_ids, selector, cron, timezone, enabled, version, "
                        + "created_by, created_at, updated_at) VALUES (:id, :ids, :selector, :cron, :zone, :enabled, 1, "
                        + ":actor, :now, :now)")
                .param("id", scheduleId).param("ids", jsonOrNull(request.deviceIds()))
                .param("selector", jsonOrNull(request.selector())).param("cron", request.cron().trim())
                .param("zone", zone(request)).param("enabled", request.enabled() == null || request.enabled())
                .param("actor", actor).param("now", now).update();
        return schedule(scheduleId);
    }

    /** Replaces the schedule's selection, cron, zone and state; its version (and Quartz trigger) moves on. */
    @Transactional
    public Schedule change(String scheduleId, ScheduleRequest request) {
        schedule(scheduleId);
        validate(request);
        jdbc.sql("UPDATE trigger_schedules SET device_ids = :ids, selector = :selector, cron = :cron, timezone = :zone, "
                        + "enabled = :enabled, version = version + 1, updated_at = :now WHERE schedule_id = :id")
                .param("id", scheduleId).param("ids", jsonOrNull(request.deviceIds()))
                .param("selector", jsonOrNull(request.selector())).param("cron", request.cron().trim())
                .param("zone", zone(request)).param("enabled", request.enabled() == null || request.enabled())
                .param("now", DeviceCommands.now()).update();
        return schedule(scheduleId);
    }

    public Schedule delete(String scheduleId) {
        Schedule schedule = schedule(scheduleId);
        jdbc.sql("DELETE FROM trigger_schedules WHERE schedule_id = :id").param("id", scheduleId).update();
        return schedule;
    }

    public Schedule schedule(String scheduleId) {
        return find(scheduleId).orElseThrow(() -> new NotFoundException("no trigger schedule " + scheduleId));
    }

    public Optional<Schedule> find(String scheduleId) {
        return jdbc.sql("SELECT * FROM trigger_schedules WHERE schedule_id = :id").param("id", scheduleId)
                .query(this::map).optional();
    }

    public List<Schedule> schedules() {
        return jdbc.sql("SELECT * FROM trigger_schedules ORDER BY created_at, schedule_id").query(this::map).list();
    }

    /**
     * The schedule's trigger fired (on one hub of the cluster): a capture command for each device it selects now,
     * whose params name the schedule and the time the firing was due. A trigger of a version since changed or deleted
     * fires nothing.
     */
    @Transactional
    public List<DeviceCommand> fire(String scheduleKey, Date scheduledFor) {
        int version = scheduleKey.lastIndexOf("-v");
        Optional<Schedule> schedule = find(scheduleKey.substring(0, Math.max(version, 0)))
                .filter(s -> s.enabled() && s.key().equals(scheduleKey));
        if (schedule.isEmpty()) {
            return List.of();
        }
        Schedule fired = schedule.get();
        jdbc.sql("UPDATE trigger_schedules SET last_fired_at = :now WHERE schedule_id = :id")
                .param("id", fired.scheduleId()).param("now", DeviceCommands.now()).update();
        // devices removed since the schedule was made are left out, not a reason to trigger none
        List<String> devices = DeviceTriggers.selectDevices(registry, fired.deviceIds(), fired.selector(),
                new Problems()).stream().map(Edge::edgeId).toList();
        if (devices.isEmpty()) {
            return List.of();
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode().put("schedule_id", fired.scheduleId())
                .put("scheduled_for", scheduledFor.toInstant().toString());
        return triggers.triggerMany(new DeviceTriggers.BulkTriggerRequest(devices, null, params),
                "schedule:" + fired.scheduleId(), "schedule " + fired.scheduleId());
    }

    private void validate(ScheduleRequest request) {
        Problems problems = new Problems();
        DeviceTriggers.selectDevices(registry, request.deviceIds(), request.selector(), problems);
        String cron = problems.required(request.cron(), "cron");
        if (cron != null && !cron.isBlank()) {
            try {
                new CronExpression(cron.trim());
            } catch (ParseException e) {
                problems.add("cron " + cron + " is not a Quartz cron expression (seconds minutes hours day-of-month "
                        + "month day-of-week [year], e.g. \"0 0/15 * * * ?\"): " + e.getMessage());
            }
        }
        try {
            ZoneId.of(zone(request));
        } catch (DateTimeException e) {
            problems.add("timezone " + request.timezone() + " is not a time zone id (e.g. Europe/Berlin, UTC)");
        }
        problems.rejectIfAny();
    }

    private static String zone(ScheduleRequest request) {
        return request.timezone() == null || request.timezone().isBlank() ? "UTC" : request.timezone().trim();
    }

    private String jsonOrNull(Object value) {
        return value == null ? null : json.write(value);
    }

    private Schedule map(ResultSet rs, int row) throws SQLException {
        try {
            String ids = rs.getString("device_ids");
            String selector = rs.getString("selector");
            String cron = rs.getString("cron");
            String zone = rs.getString("timezone");
            boolean enabled = rs.getBoolean("enabled");
            return new Schedule(rs.getString("schedule_id"), ids == null ? null : json.read(ids, IDS),
                    selector == null ? null : json.read(selector, LABELS), cron, zone, enabled, rs.getInt("version"),
                    rs.getString("created_by"), rs.getObject("created_at", OffsetDateTime.class),
                    rs.getObject("updated_at", OffsetDateTime.class),
                    rs.getObject("last_fired_at", OffsetDateTime.class), enabled ? nextFire(cron, zone) : null);
        } catch (JsonProcessingException e) {
            throw new SQLException("trigger schedule " + rs.getString("schedule_id") + " has an unreadable selection", e);
        }
    }

    private static OffsetDateTime nextFire(String cron, String zone) {
        try {
            CronExpression expression = new CronExpression(cron);
            expression.setTimeZone(TimeZone.getTimeZone(ZoneId.of(zone)));
            Date next = expression.getNextValidTimeAfter(new Date());
            return next == null ? null : next.toInstant().atOffset(ZoneOffset.UTC);
        } catch (ParseException e) {
            return null;
        }
    }
}
