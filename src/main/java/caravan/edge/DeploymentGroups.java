package caravan.edge;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import caravan.api.NotFoundException;
import caravan.api.Problems;
import caravan.edge.DeploymentGroupStore.GroupPlan;
import caravan.edge.DeploymentGroupStore.Member;
import caravan.edge.DeploymentGroupStore.StoredGroup;
import caravan.edge.DeploymentStore.Deployment;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.EdgeRegistry.Venue;
import caravan.edge.EdgeRequests.EdgeValues;
import caravan.edge.EdgeRequests.GroupRequest;
import caravan.edge.EdgeRequests.Strategy;
import caravan.provider.Provider;

/**
 * Deployments of one provider or one policy model to many edges ({@code POST /api/deployments}): chosen by id or by
 * label selector, rolled out in waves of a given size, the next wave only once every deployment of the previous one is
 * finished, stopped when failures reach the limit, not before a given time. Per-edge values add environment variables
 * to a provider, parameters to a model.
 */
@Component
public class DeploymentGroups {

    /** A group as the API shows it: each edge with its deployment's status (waiting, skipped, or the deployment's). */
    public record Group(String groupId, String providerId, String modelId, String status, int waveSize, int maxFailures,
            OffsetDateTime notBefore, String stoppedReason, List<Map<String, Object>> edges, String startedBy,
            OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    }

    public record GroupAccepted(String groupId, String status, String statusUrl) {
    }

    /** A provider's deployment ends healthy or failed; a model's deployed, failed or rolled-back. */
    private static final List<String> FAILED = List.of("failed", "rolled-back");
    private static final List<String> FINISHED = List.of("waiting", "healthy", "deployed", "failed", "rolled-back");

    private final DeploymentGroupStore groups;
    private final EdgeApi api;
    private final DeploymentPlanner planner;
    private final EdgeRegistry registry;
    private final DeploymentStore deployments;
    private final ModelRollouts models;
    /** A savepoint per group: a group whose wave cannot start stops, with why, and holds up no other group. */
    private final TransactionTemplate eachGroup;

    public DeploymentGroups(DeploymentGroupStore groups, EdgeApi api, DeploymentPlanner planner, EdgeRegistry registry,
            DeploymentStore deployments, ModelRollouts models, PlatformTransactionManager transactions) {
        this.models = models;
        this.eachGroup = new TransactionTemplate(transactions);
        this.eachGroup.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        this.groups = groups;
        this.api = api;
        this.planner = planner;
        this.registry = registry;
        this.deployments = deployments;
    }

    /** Validates a group request, naming every problem, and stores it; its waves start on the next tick. */
    public GroupAccepted create(GroupRequest request, String startedBy) {
        Problems problems = new Problems();
        String providerId = request.providerId();
        String modelId = request.modelId();
        problems.check((providerId == null) != (modelId == null), "give either providerId or modelId, not both or neither");
        problems.check(modelId != null || request.parameters() == null, "parameters are a model's: give modelId with them");
        List<Edge> edges = selectEdges(request, problems);
        Strategy strategy = request.strategy() == null ? new Strategy(null, null) : request.strategy();
        int waveSize = strategy.waveSize() == null ? 1 : strategy.waveSize();
        int maxFailures = strategy.maxFailures() == null ? 1 : strategy.maxFailures();
        problems.check(waveSize >= 1, "strategy.waveSize must be at least 1");
        problems.check(maxFailures >= 1, "strategy.maxFailures must be at least 1");
        OffsetDateTime notBefore = EdgeRegistry.now();
        if (request.notBefore() != null) {
            try {
                notBefore = OffsetDateTime.parse(request.notBefore());
            } catch (DateTimeParseException e) {
                problems.add("notBefore must be an ISO-8601 time with offset, e.g. 2026-11-23T02:00:00Z");
            }
        }
        Map<String, EdgeValues> values = request.values() == null ? Map.of() : request.values();
        values.forEach((edgeId, edgeValues) -> {
            problems.check(edges.stream().anyMatch(edge -> edge.edgeId().equals(edgeId)),
                    "values names edge " + edgeId + ", which is not in this deployment");
            problems.check(edgeValues != null && (modelId == null ? edgeValues.env() != null : edgeValues.parameters() != null),
                    modelId == null ? "values." + edgeId + ".env must be an object of variables"
                            : "values." + edgeId + ".parameters must be an object of model parameters");
        });
        String venueOverride = request.venueId();
        if (modelId != null) {
            edges.forEach(edge -> models.checkDeployable(modelId, edge, problems));
        } else {
            edges.stream().filter(edge -> venueOverride == null && edge.venueId() == null)
                    .forEach(edge -> problems.add("edge " + edge.edgeId() + " has no venue: set its venueId or give one"));
        }
        problems.rejectIfAny();
        if (providerId != null) {
            planner.deployableProvider(providerId);
        }
        if (venueOverride != null) {
            api.venue(venueOverride);
        }

        String groupId = UUID.randomUUID().toString();
        groups.insert(groupId, providerId, modelId, waveSize, maxFailures, notBefore,
                new GroupPlan(request.mqttBrokerUrl(), venueOverride, request.parameters(), values),
                edges.stream().map(edge -> new Member(edge.edgeId(), null)).toList(), startedBy);
        return new GroupAccepted(groupId, "scheduled", "/api/deployment-groups/" + groupId);
    }

    /**
     * Moves every due group on: starts the next wave when the current one has finished, stops at the failure
     * limit, finishes when no edge is left. Returns the deployments to start: a provider's {@link Deployment}s and
     * a model's {@link ModelRollouts.PendingModelDeployment}s. Groups are row-locked, so hubs sharing the database take
     * turns and a wave starts once.
     */
    @Transactional
    public List<Rollout> advance() {
        List<Rollout> toDispatch = new ArrayList<>();
        for (String groupId : groups.lockDue()) {
            try {
                toDispatch.addAll(eachGroup.execute(status -> groups.find(groupId).map(this::advance)
                        .orElse(List.of())));
            } catch (DataAccessException e) {
                throw e; // the database's trouble, not the group's: the next tick tries again
            } catch (RuntimeException e) {
                groups.finish(groupId, "failed", "the next wave could not start: "
                        + (e.getMessage() == null ? e.toString() : e.getMessage())
                        + "; the remaining edges were not deployed");
            }
        }
        return toDispatch;
    }

    private List<Rollout> advance(StoredGroup group) {
        String groupId = group.groupId();
        List<Member> members = group.edges();
        int waveSize = group.waveSize();
        int maxFailures = group.maxFailures();
        List<String> statuses = members.stream().map(member -> statusOf(group, member)).toList();
        long failures = statuses.stream().filter(FAILED::contains).count();
        boolean waveRunning = statuses.stream().anyMatch(status -> !FINISHED.contains(status));
        if (waveRunning) {
            return List.of();
        }
        if (failures >= maxFailures) {
            groups.finish(groupId, "failed", failures + " deployment(s) failed, the limit is " + maxFailures
                    + "; the remaining edges were not deployed");
            return List.of();
        }
        List<Member> next = members.stream().filter(member -> member.deploymentId() == null).limit(waveSize).toList();
        if (next.isEmpty()) {
            groups.finish(groupId, failures == 0 ? "succeeded" : "failed",
                    failures == 0 ? null : failures + " deployment(s) failed, below the limit of " + maxFailures);
            return List.of();
        }
        GroupPlan plan = group.plan();
        Provider provider = group.providerId() == null ? null : planner.deployableProvider(group.providerId());
        List<Rollout> planned = new ArrayList<>();
        List<Member> updated = new ArrayList<>();
        for (Member member : members) {
            if (next.contains(member)) {
                Rollout deployment = provider != null ? plan(member.edgeId(), provider, plan, group.startedBy())
                        : models.plan(member.edgeId(), group.modelId(), groupId, parameters(plan, member.edgeId()),
                                group.startedBy());
                planned.add(deployment);
                updated.add(new Member(member.edgeId(), deployment.deploymentId()));
            } else {
                updated.add(member);
            }
        }
        groups.startWave(groupId, updated);
        return planned;
    }

    private Deployment plan(String edgeId, Provider provider, GroupPlan plan, String startedBy) {
        Edge edge = api.edge(edgeId);
        Venue venue = api.venue(plan.venueId() != null ? plan.venueId() : edge.venueId());
        EdgeValues values = plan.values() == null ? null : plan.values().get(edgeId);
        return planner.plan(edge, venue, provider, plan.mqttBrokerUrl(), values == null ? null : values.env(),
                startedBy);
    }

    /** The group's parameters, with the edge's own over them. */
    private static ObjectNode parameters(GroupPlan plan, String edgeId) {
        ObjectNode parameters = plan.parameters() == null ? JsonNodeFactory.instance.objectNode() : plan.parameters().deepCopy();
        EdgeValues values = plan.values() == null ? null : plan.values().get(edgeId);
        if (values != null && values.parameters() != null) {
            parameters.setAll(values.parameters());
        }
        return parameters;
    }

    public Group group(String groupId) {
        StoredGroup group = groups.find(groupId).orElseThrow(() -> new NotFoundException("no deployment group " + groupId));
        boolean stopped = "failed".equals(group.status()) || "succeeded".equals(group.status());
        List<Map<String, Object>> edges = new ArrayList<>();
        for (Member member : group.edges()) {
            Map<String, Object> edge = new LinkedHashMap<>();
            edge.put("edgeId", member.edgeId());
            edge.put("deploymentId", member.deploymentId());
            String memberStatus = statusOf(group, member);
            edge.put("status", stopped && "waiting".equals(memberStatus) ? "skipped" : memberStatus);
            edges.add(edge);
        }
        return new Group(group.groupId(), group.providerId(), group.modelId(), group.status(), group.waveSize(), group.maxFailures(),
                group.notBefore(), group.stoppedReason(), edges, group.startedBy(), group.createdAt(),
                group.updatedAt());
    }

    private String statusOf(StoredGroup group, Member member) {
        if (member.deploymentId() == null) {
            return "waiting";
        }
        return group.modelId() != null ? models.status(member.deploymentId())
                : deployments.find(member.deploymentId()).map(Deployment::status).orElse("failed");
    }

    private List<Edge> selectEdges(GroupRequest request, Problems problems) {
        return EdgeSelection.select(registry, request.edgeIds(), request.selector(), "edgeIds", edge -> true, "edge",
                problems);
    }
}
