package caravan.edge;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import caravan.api.NotFoundException;
import caravan.edge.DeploymentGroupStore.Member;
import caravan.edge.DeploymentGroupStore.StoredGroup;
import caravan.edge.DeploymentStore.Deployment;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.EdgeRegistry.Venue;
import caravan.provider.Provider;

/**
 * Deployments of one provider to many edges ({@code POST /api/deployments}): chosen by id or by label selector,
 * rolled out in waves of a given size, the next wave only once every deployment of the previous one is finished,
 * stopped when failures reach the limit, not before a given time. Per-edge values add environment variables.
 */
@Component
public class DeploymentGroups {

    /** A group as the API shows it: each edge with its deployment's status (waiting, skipped, or the deployment's). */
    public record Group(String groupId, String providerId, String status, int waveSize, int maxFailures,
            OffsetDateTime notBefore, String stoppedReason, List<Map<String, Object>> edges, OffsetDateTime createdAt,
            OffsetDateTime updatedAt) {
    }

    public record GroupAccepted(String groupId, String status, String statusUrl) {
    }

    private final DeploymentGroupStore groups;
    private final ObjectMapper mapper;
    private final EdgeApi api;
    private final DeploymentPlanner planner;
    private final EdgeRegistry registry;
    private final DeploymentStore deployments;

    public DeploymentGroups(DeploymentGroupStore groups, ObjectMapper mapper, EdgeApi api, DeploymentPlanner planner,
            EdgeRegistry registry, DeploymentStore deployments) {
        this.groups = groups;
        this.mapper = mapper;
        this.api = api;
        this.planner = planner;
        this.registry = registry;
        this.deployments = deployments;
    }

    /** Validates a group request, naming every problem, and stores it; its waves start on the next tick. */
    public GroupAccepted create(String body) {
        JsonNode json = api.object(body);
        List<String> problems = new ArrayList<>();
        String providerId = EdgeApi.text(json, "providerId", problems);
        List<Edge> edges = selectEdges(json, problems);
        JsonNode strategy = json.path("strategy");
        int waveSize = strategy.path("waveSize").asInt(1);
        int maxFailures = strategy.path("maxFailures").asInt(1);
        if (waveSize < 1) {
            problems.add("strategy.waveSize must be at least 1");
        }
        if (maxFailures < 1) {
            problems.add("strategy.maxFailures must be at least 1");
        }
        OffsetDateTime notBefore = EdgeRegistry.now();
        if (json.hasNonNull("notBefore")) {
            try {
                notBefore = OffsetDateTime.parse(json.get("notBefore").asText());
            } catch (DateTimeParseException e) {
                problems.add("notBefore must be an ISO-8601 time with offset, e.g. 2026-11-23T02:00:00Z");
            }
        }
        JsonNode values = json.path("values");
        values.fieldNames().forEachRemaining(edgeId -> {
            if (edges.stream().noneMatch(edge -> edge.edgeId().equals(edgeId))) {
                problems.add("values names edge " + edgeId + ", which is not in this deployment");
            }
            if (!values.get(edgeId).path("env").isObject()) {
                problems.add("values." + edgeId + ".env must be an object of variables");
            }
        });
        String venueOverride = json.hasNonNull("venueId") ? json.get("venueId").asText() : null;
        edges.stream().filter(edge -> venueOverride == null && edge.venueId() == null)
                .forEach(edge -> problems.add("edge " + edge.edgeId() + " has no venue: set its venueId or give one"));
        EdgeApi.rejectIf(problems);
        planner.deployableProvider(providerId);
        if (venueOverride != null) {
            api.venue(venueOverride);
        }

        String groupId = UUID.randomUUID().toString();
        ObjectNode request = mapper.createObjectNode();
        request.set("mqttBrokerUrl", json.get("mqttBrokerUrl"));
        request.put("venueId", venueOverride);
        request.set("values", values.isMissingNode() ? mapper.createObjectNode() : values);
        groups.insert(groupId, providerId, waveSize, maxFailures, notBefore, request,
                edges.stream().map(edge -> new Member(edge.edgeId(), null)).toList());
        return new GroupAccepted(groupId, "scheduled", "/api/deployment-groups/" + groupId);
    }

    /**
     * Moves every due group on: starts the next wave when the current one has finished, stops at the failure
     * limit, finishes when no edge is left. Returns the deployments to dispatch. Groups are row-locked, so hubs
     * sharing the database take turns and a wave starts once.
     */
    @Transactional
    public List<Deployment> advance() {
        List<Deployment> toDispatch = new ArrayList<>();
        for (String groupId : groups.lockDue()) {
            groups.find(groupId).ifPresent(group -> toDispatch.addAll(advance(group)));
        }
        return toDispatch;
    }

    private List<Deployment> advance(StoredGroup group) {
        String groupId = group.groupId();
        List<Member> members = group.edges();
        int waveSize = group.waveSize();
        int maxFailures = group.maxFailures();
        List<String> statuses = members.stream().map(this::statusOf).toList();
        long failures = statuses.stream().filter("failed"::equals).count();
        boolean waveRunning = statuses.stream().anyMatch(status -> !List.of("waiting", "healthy", "failed").contains(status));
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
        JsonNode request = group.request();
        Provider provider = planner.deployableProvider(group.providerId());
        List<Deployment> planned = new ArrayList<>();
        List<Member> updated = new ArrayList<>();
        for (Member member : members) {
            if (next.contains(member)) {
                Deployment deployment = plan(member.edgeId(), provider, request);
                planned.add(deployment);
                updated.add(new Member(member.edgeId(), deployment.deploymentId()));
            } else {
                updated.add(member);
            }
        }
        groups.startWave(groupId, updated);
        return planned;
    }

    private Deployment plan(String edgeId, Provider provider, JsonNode request) {
        Edge edge = api.edge(edgeId);
        String venueId = request.hasNonNull("venueId") ? request.get("venueId").asText() : edge.venueId();
        Venue venue = api.venue(venueId);
        return planner.plan(edge, venue, provider, request.hasNonNull("mqttBrokerUrl") ? request.get("mqttBrokerUrl").asText()
                : null, request.path("values").path(edgeId).get("env"));
    }

    public Group group(String groupId) {
        StoredGroup group = groups.find(groupId).orElseThrow(() -> new NotFoundException("no deployment group " + groupId));
        boolean stopped = "failed".equals(group.status()) || "succeeded".equals(group.status());
        List<Map<String, Object>> edges = new ArrayList<>();
        for (Member member : group.edges()) {
            Map<String, Object> edge = new LinkedHashMap<>();
            edge.put("edgeId", member.edgeId());
            edge.put("deploymentId", member.deploymentId());
            String memberStatus = statusOf(member);
            edge.put("status", stopped && "waiting".equals(memberStatus) ? "skipped" : memberStatus);
            edges.add(edge);
        }
        return new Group(group.groupId(), group.providerId(), group.status(), group.waveSize(), group.maxFailures(),
                group.notBefore(), group.stoppedReason(), edges, group.createdAt(), group.updatedAt());
    }

    private String statusOf(Member member) {
        return member.deploymentId() == null ? "waiting"
                : deployments.find(member.deploymentId()).map(Deployment::status).orElse("failed");
    }

    private List<Edge> selectEdges(JsonNode json, List<String> problems) {
        JsonNode ids = json.path("edgeIds");
        JsonNode selector = json.path("selector");
        if (ids.isMissingNode() == selector.isMissingNode()) {
            problems.add("give either edgeIds (a list) or selector (labels to match), not both or neither");
            return List.of();
        }
        List<Edge> edges = new ArrayList<>();
        if (!ids.isMissingNode()) {
            if (!ids.isArray() || ids.isEmpty()) {
                problems.add("edgeIds must be a non-empty list of edge ids");
                return List.of();
            }
            for (JsonNode id : ids) {
                registry.edge(id.asText()).ifPresentOrElse(edges::add,
                        () -> problems.add("edgeIds names " + id.asText() + ", which is not a known edge"));
            }
            return edges;
        }
        if (!selector.isObject() || selector.isEmpty()) {
            problems.add("selector must be an object of labels, e.g. {\"site\": \"hall-a\"}");
            return List.of();
        }
        Map<String, String> wanted = new LinkedHashMap<>();
        selector.fields().forEachRemaining(label -> wanted.put(label.getKey(), label.getValue().asText()));
        registry.edges().stream().filter(edge -> edge.labels().entrySet().containsAll(wanted.entrySet())).forEach(edges::add);
        if (edges.isEmpty()) {
            problems.add("selector " + wanted + " matches no edge");
        }
        return edges;
    }
}
