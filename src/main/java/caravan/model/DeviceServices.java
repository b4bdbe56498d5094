package caravan.model;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import caravan.api.NotFoundException;
import caravan.api.Problems;
import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.store.JsonColumns;

/** The device_services table: each SSH device's policy service; a device without a row has the systemd defaults. */
@Repository
public class DeviceServices {

    private static final TypeReference<List<String>> WORDS = new TypeReference<>() { };
    private static final Pattern MODELS_DIR = Pattern.compile("[A-Za-z0-9_./~-]{1,255}");

    private final JdbcClient jdbc;
    private final JsonColumns json;
    private final EdgeRegistry edges;

    public DeviceServices(JdbcClient jdbc, JsonColumns json, EdgeRegistry edges) {
        this.jdbc = jdbc;
        this.json = json;
        this.edges = edges;
    }

    /** {@code PUT /api/edges/{edgeId}/device}: the service of an SSH edge; blanks take the systemd defaults. */
    @Transactional
    public DeviceService save(String edgeId, DeviceService request) {
        Edge edge = edges.edge(edgeId).orElseThrow(() -> new NotFoundException("no edge " + edgeId));
        Problems problems = new Problems();
        problems.check("ssh".equals(edge.transport()), "edge " + edgeId + " is reached through its agent; models go "
                + "to devices the hub reaches over SSH (transport ssh)");
        problems.check(request.service() == null || ModelMetadata.SERVICE.matcher(request.service()).matches(),
                "service must be a service name of letters, digits and _ . @ -");
        problems.check(request.modelsDir() == null || MODELS_DIR.matcher(request.modelsDir()).matches()
                && !request.modelsDir().contains(".."), "modelsDir must be a path without .. or spaces");
        for (List<String> command : java.util.Arrays.asList(request.restartCommand(), request.statusCommand(),
                request.healthCommand(), request.logsCommand())) {
            problems.check(command == null || command.stream().allMatch(word -> word != null && !word.isEmpty()),
                    "commands are lists of non-empty words, e.g. [\"supervisorctl\", \"restart\", \"duck_policy\"]");
        }
        problems.rejectIfAny();
        DeviceService service = request.withDefaults();
        jdbc.sql("DELETE FROM device_services WHERE edge_id = :id").param("id", edgeId).update();
        jdbc.sql("""
                INSERT INTO device_services (edge_id, service, restart_command, status_command, health_command,
                    logs_command, models_dir, updated_at)
                VALUES (:id, :service, :restart, :status, :health, :logs, :modelsDir, :now)""")
                .param("id", edgeId).param("service", service.service())
                .param("restart", json.write(service.restartCommand())).param("status", json.write(service.statusCommand()))
                .param("health", json.write(service.healthCommand())).param("logs", json.write(service.logsCommand()))
                .param("modelsDir", service.modelsDir()).param("now", EdgeRegistry.now())
                .update();
        return service;
    }

    /** The device's service, or the systemd defaults when none was set. */
    public DeviceService of(String edgeId) {
        return find(edgeId).orElseGet(() -> DeviceService.systemd(DeviceService.DEFAULT_SERVICE));
    }

    Optional<DeviceService> find(String edgeId) {
        return jdbc.sql("SELECT * FROM device_services WHERE edge_id = :id").param("id", edgeId)
                .query((rs, row) -> {
                    try {
                        return new DeviceService(rs.getString("service"), json.read(rs.getString("restart_command"), WORDS),
                                json.read(rs.getString("status_command"), WORDS),
                                json.read(rs.getString("health_command"), WORDS),
                                json.read(rs.getString("logs_command"), WORDS), rs.getString("models_dir"));
                    } catch (JsonProcessingException e) {
                        throw new java.sql.SQLException("device service of " + edgeId + " is unreadable", e);
                    }
                }).optional();
    }
}
