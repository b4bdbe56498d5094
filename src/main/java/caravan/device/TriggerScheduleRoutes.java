package caravan.device;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import caravan.device.TriggerSchedules.Schedule;

/**
 * Keeps this hub's routes in step with the schedules in the database: a route from the {@code trigger-schedule}
 * template for each enabled schedule version, so that Hawtio lists every schedule. The Quartz triggers live in the
 * shared (clustered) job store; a route only makes its endpoint known to the hub where Quartz fires it.
 */
@Component
public class TriggerScheduleRoutes {

    static final String TEMPLATE = "trigger-schedule";
    static final String ROUTE_PREFIX = "scheduled-captures-";
    static final String QUARTZ_GROUP = "trigger-schedules";

    private final CamelContext camel;
    private final TriggerSchedules schedules;
    private final Scheduler scheduler;

    public TriggerScheduleRoutes(CamelContext camel, TriggerSchedules schedules, Scheduler scheduler) {
        this.camel = camel;
        this.schedules = schedules;
        this.scheduler = scheduler;
    }

    /**
     * Adds the routes of new schedule versions and removes those of versions changed, disabled or deleted. In a
     * transaction: Spring's Quartz job store writes triggers on the caller's transaction, and rolls back without one.
     */
    @Transactional
    public synchronized void reconcile() throws Exception {
        Map<String, Schedule> wanted = schedules.schedules().stream().filter(Schedule::enabled)
                .collect(Collectors.toMap(schedule -> ROUTE_PREFIX + schedule.key(), Function.identity()));
        Set<String> running = camel.getRoutes().stream().filter(Route::isCreatedByRouteTemplate)
                .map(Route::getRouteId).filter(id -> id.startsWith(ROUTE_PREFIX)).collect(Collectors.toSet());
        for (String routeId : running) {
            if (!wanted.containsKey(routeId)) {
                camel.getRouteController().stopRoute(routeId);
                camel.removeRoute(routeId);
            }
        }
        for (Map.Entry<String, Schedule> entry : wanted.entrySet()) {
            if (!running.contains(entry.getKey())) {
                Schedule schedule = entry.getValue();
                TemplatedRouteBuilder.builder(camel, TEMPLATE).routeId(entry.getKey())
                        .parameter("scheduleKey", schedule.key())
                        .parameter("cron", schedule.cron().replace(' ', '+'))
                        .parameter("timezone", schedule.timezone())
                        .add();
                // the supervising route controller leaves a route added after start-up stopped
                camel.getRouteController().startRoute(entry.getKey());
            }
        }
    }

    /**
     * Removes a superseded version's trigger from the job store: in a clustered store a stopped route leaves its
     * trigger for the other hubs, so the hub that changed the schedule takes it out.
     */
    @Transactional
    public void retire(Schedule version) throws SchedulerException {
        scheduler.deleteJob(JobKey.jobKey(version.key(), QUARTZ_GROUP));
    }
}
