package caravan.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.stereotype.Component;

import caravan.api.InputRejectedException;
import caravan.api.NotFoundException;
import caravan.api.Problems;
import caravan.edge.EdgeApi;
import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.EdgeRequests.EdgeRequest;
import caravan.edge.EdgeRequests.SshRequest;
import caravan.model.ModelDeployments.ModelDeployment;
import caravan.model.ModelStore.Model;

/**
 * The reference's {@code /deployment/*} routes for its existing clients, on Caravan's devices (SSH edges) and model
 * deployments, with their payloads and field names. Where the reference trusted any host key, a device added without
 * {@code host_key} is {@code unverified} until an operator confirms its fingerprint.
 */
@Component
public class ReferenceDeployments {

    private final EdgeRegistry edges;
    private final EdgeApi edgeApi;
    private final DeviceServices services;
    private final ModelStore models;
    private final ModelDeploymentApi deployments;

    public ReferenceDeployments(EdgeRegistry edges, EdgeApi edgeApi, DeviceServices services, ModelStore models,
            ModelDeploymentApi deployments) {
        this.edges = edges;
        this.edgeApi = edgeApi;
        this.services = services;
        this.models = models;
        this.deployments = deployments;
    }

    /** {@code GET /deployment/devices}: the devices reached over SSH, as the reference's {@code Device.to_dict}. */
    public List<Map<String, Object>> devices() {
        return edges.edges().stream().filter(edge -> edge.ssh() != null).map(ReferenceDeployments::device).toList();
    }

    /**
     * {@code POST /deployment/devices {name, ip_address, username, password | private_key, port?, host_key?,
     * service?}}. The device's id is its name as a lowercase slug.
     */
    public Map<String, Object> addDevice(JsonNode body) {
        Problems problems = new Problems();
        String name = problems.required(text(body, "name"), "name");
        String address = problems.required(text(body, "ip_address"), "ip_address");
        String user = problems.required(text(body, "username"), "username");
        problems.check(text(body, "password") != null || text(body, "private_key") != null,
                "password or private_key is required");
        problems.rejectIfAny();
        String edgeId = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (edgeId.isEmpty()) {
            throw new InputRejectedException(List.of("name must contain letters or digits"));
        }
        Integer port = body.path("port").canConvertToInt() ? body.path("port").asInt() : null;
        edgeApi.saveEdge(edgeId, new EdgeRequest(name, null, address, "ssh", Map.of(),
                new SshRequest(user, port, text(body, "host_key"), text(body, "private_key"), text(body, "password"))));
        if (text(body, "service") != null) {
            services.save(edgeId, new DeviceService(text(body, "service"), null, null, null, null, null));
        }
        return device(edgeApi.edge(edgeId));
    }

    /** {@code POST /deployment/deploy {model_path | modelId, device_id, parameters}}. */
    public ModelDeployment deploy(JsonNode body, String actor) {
        Problems problems = new Problems();
        String deviceId = problems.required(text(body, "device_id"), "device_id");
        String modelId = text(body, "modelId");
        String modelPath = text(body, "model_path");
        problems.check(modelId != null || modelPath != null, "model_path or modelId is required");
        problems.rejectIfAny();
        Model model = modelId != null ? models.get(modelId) : byPath(modelPath);
        return deployments.deploy(deviceId, new ModelDeploymentApi.DeployRequest(model.modelId(), body.get("parameters")),
                actor);
    }

    /** The reference's answer to a deploy: its id is the task id. */
    public Map<String, Object> started(ModelDeployment deployment) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", "Deployment started");
        answer.put("task_id", deployment.deploymentId());
        return answer;
    }

    /** {@code GET /deployment/deployments/{id}}: the reference's {@code Deployment.to_dict}, with each step. */
    public Map<String, Object> deployment(String deploymentId) {
        ModelDeployment deployment = deployments.deployment(deploymentId);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", deployment.deploymentId());
        answer.put("device", edges.edge(deployment.edgeId()).map(ReferenceDeployments::device).orElse(null));
        answer.put("model_path", models.find(deployment.modelId()).map(m -> m.name() + "-" + m.version() + ".onnx")
                .orElse(deployment.modelId()));
        answer.put("model_id", deployment.modelId());
        answer.put("remote_path", deployment.remotePath());
        answer.put("status", deployment.status());
        answer.put("parameters", deployment.parameters());
        answer.put("error_message", deployment.errorMessage());
        answer.put("service_log", deployment.serviceLog());
        answer.put("steps", deployment.steps());
        answer.put("created_at", deployment.createdAt());
        answer.put("completed_at", deployment.completedAt());
        return answer;
    }

    /** A model named as the reference's clients name files: {@code <name>-<version>.onnx} or {@code <sha256>.onnx}. */
    private Model byPath(String modelPath) {
        String file = modelPath.substring(modelPath.lastIndexOf('/') + 1).replaceFirst("\\.onnx$", "");
        if (file.matches("[0-9a-f]{64}")) {
            return models.get(file);
        }
        return models.latest().stream().flatMap(model -> models.versions(model.name()).stream())
                .filter(model -> file.equals(model.name() + "-" + model.version())).findFirst()
                .orElseThrow(() -> new NotFoundException("model_path " + modelPath + " names no stored model: upload "
                        + "it (POST /api/models) and give its modelId, or name it <name>-<version>.onnx"));
    }

    private static Map<String, Object> device(Edge edge) {
        Map<String, Object> device = new LinkedHashMap<>();
        device.put("id", edge.edgeId());
        device.put("name", edge.name());
        device.put("ip_address", edge.address());
        device.put("status", edge.ssh().hostKeyVerified() ? edge.status() : "unverified");
        device.put("last_seen", edge.lastSeen());
        device.put("host_key_fingerprint", edge.ssh().hostKeyFingerprint());
        device.put("host_key_verified", edge.ssh().hostKeyVerified());
        return device;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.path(field);
        return value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }
}
