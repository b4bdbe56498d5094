package caravan.alert;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.stereotype.Component;

import caravan.edge.RunningDeployments;
import caravan.edge.RunningDeployments.Running;
import caravan.trajectory.TrajectoryIntake;

/**
 * The edge-silent rules: an edge with a running deployment that has sent no trajectories for the rule's seconds
 * (counted from its last message, or from when the deployment started running or the hub started, whichever is
 * later). Looked at on a timer, as silence is the absence of messages; once per cooldown per edge.
 */
@Component
public class EdgeSilenceWatch {

    private final AlertRules rules;
    private final RunningDeployments running;
    private final TrajectoryIntake intake;
    private final Cooldowns cooldowns = new Cooldowns();
    private final long startedAt = Instant.now().getEpochSecond();

    public EdgeSilenceWatch(AlertRules rules, RunningDeployments running, TrajectoryIntake intake) {
        this.rules = rules;
        this.running = running;
        this.intake = intake;
    }

    public List<Alert> check() {
        List<AlertRule> silenceRules = rules.current().stream().filter(rule -> "edge-silent".equals(rule.type())).toList();
        if (silenceRules.isEmpty()) {
            return List.of();
        }
        Instant now = Instant.now();
        List<Alert> alerts = new ArrayList<>();
        for (Running deployment : running.all()) {
            long heardOf = Math.max(Math.max(intake.lastMessageAt(deployment.edgeId()), startedAt),
                    deployment.since().toEpochSecond());
            long silentFor = now.getEpochSecond() - heardOf;
            for (AlertRule rule : silenceRules) {
                if ((rule.venueId() == null || rule.venueId().equals(deployment.venueId())) && silentFor > rule.seconds()
                        && cooldowns.fire(rule.id() + "|" + deployment.edgeId(), rule.cooldownDuration(), now)) {
                    String message = "edge " + deployment.edgeId() + " (deployment " + deployment.deploymentId() + " of "
                            + deployment.providerId() + ") has sent no trajectories for " + silentFor + " s";
                    alerts.add(new Alert(UUID.randomUUID().toString(), rule.id(), rule.type(), rule.severityOrDefault(),
                            deployment.venueId(), deployment.edgeId(), null, null, null,
                            rule.message() == null ? message : rule.message() + " (" + message + ")", null, null, now, null));
                }
            }
        }
        return alerts;
    }
}
