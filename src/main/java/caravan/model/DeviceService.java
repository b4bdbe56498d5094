package caravan.model;

import java.util.List;

/**
 * A device's policy service and how the hub handles it over SSH. Commands are argument lists, each word quoted when
 * run, so no setting is ever parsed by a shell.
 *
 * @param service        the service's name, as its manager knows it
 * @param restartCommand restarts it; must exit 0
 * @param statusCommand  exits 0 while it runs; exit status 4 means no such service (systemctl and supervisorctl agree)
 * @param healthCommand  optional: exits 0 when the service answers, checked at the end of the health window
 * @param logsCommand    prints its last log lines, kept with a failed deployment
 * @param modelsDir      where models and {@code current_model.onnx} live, relative to the SSH user's home unless absolute
 */
public record DeviceService(String service, List<String> restartCommand, List<String> statusCommand,
        List<String> healthCommand, List<String> logsCommand, String modelsDir) {

    public static final String DEFAULT_SERVICE = "duck_policy";
    public static final String DEFAULT_MODELS_DIR = "models";
    /** What {@code statusCommand} exits with when the service does not exist (LSB "status unknown"). */
    static final int NO_SUCH_SERVICE = 4;

    /** The reference's systemd service, restarted with passwordless sudo. */
    public static DeviceService systemd(String service) {
        return new DeviceService(service, List.of("sudo", "-n", "systemctl", "restart", service),
                List.of("systemctl", "is-active", service), List.of(),
                List.of("journalctl", "-u", service, "-n", "50", "--no-pager"), DEFAULT_MODELS_DIR);
    }

    /** This settings' blanks filled from the systemd defaults of its service. */
    DeviceService withDefaults() {
        String name = service == null || service.isBlank() ? DEFAULT_SERVICE : service;
        DeviceService defaults = systemd(name);
        return new DeviceService(name, orElse(restartCommand, defaults.restartCommand()),
                orElse(statusCommand, defaults.statusCommand()), healthCommand == null ? List.of() : healthCommand,
                orElse(logsCommand, defaults.logsCommand()),
                modelsDir == null || modelsDir.isBlank() ? DEFAULT_MODELS_DIR : modelsDir);
    }

    private static List<String> orElse(List<String> command, List<String> fallback) {
        return command == null || command.isEmpty() ? fallback : List.copyOf(command);
    }
}
