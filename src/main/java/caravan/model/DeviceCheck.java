package caravan.model;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.stereotype.Component;

import caravan.api.NotFoundException;
import caravan.deploy.DeviceCapabilities;
import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.HostKeys;
import caravan.ssh.SshConnections;
import caravan.ssh.SshProperties;
import caravan.ssh.SshRefusedException;
import caravan.ssh.SshSession;

/**
 * {@code POST /deployment/devices/{id}/test} and {@code POST /api/edges/{id}/probe}: logs in to the device on demand and
 * reports how long that took, its host key and its capabilities (architecture, CPUs, memory, free disk, GPU, Docker
 * version), which the edge keeps. A device whose host key is not confirmed is only asked for its key: no
 * credential goes to a host the operator has not recognised.
 */
@Component
public class DeviceCheck {

    private final EdgeRegistry edges;
    private final SshConnections connections;
    private final HostKeys hostKeys;
    private final DeviceServices services;
    private final SshProperties ssh;

    public DeviceCheck(EdgeRegistry edges, SshConnections connections, DeviceServices services, SshProperties ssh) {
        this.edges = edges;
        this.connections = connections;
        this.hostKeys = connections;
        this.services = services;
        this.ssh = ssh;
    }

    public Map<String, Object> test(String edgeId) throws InterruptedException {
        Edge edge = edges.edge(edgeId).filter(e -> e.ssh() != null)
                .orElseThrow(() -> new NotFoundException("no device " + edgeId + " reached over SSH"));
        Map<String, Object> answer = new LinkedHashMap<>();
        long started = System.nanoTime();
        if (!edge.ssh().hostKeyVerified()) {
            String presented = hostKeys.fetch(edge.address(), edge.ssh().port()).fingerprint();
            answer.put("success", false);
            answer.put("latencyMs", (System.nanoTime() - started) / 1_000_000);
            answer.put("hostKeyFingerprint", presented);
            answer.put("hostKeyVerified", false);
            answer.put("error", "the host key is not confirmed: compare " + presented + " with the device's own "
                    + "(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on it), then POST /api/edges/" + edgeId
                    + "/host-key/confirm; nothing was sent to the device");
            return answer;
        }
        answer.put("hostKeyFingerprint", edge.ssh().hostKeyFingerprint());
        answer.put("hostKeyVerified", true);
        try (SshSession session = connections.openIfFree(edgeId, ssh.connectTimeout()).orElse(null)) {
            answer.put("latencyMs", (System.nanoTime() - started) / 1_000_000);
            if (session == null) {
                answer.put("success", false);
                answer.put("error", "device " + edgeId + " is busy with a deployment; test it when that has finished");
                return answer;
            }
            Duration timeout = ssh.connectTimeout();
            DeviceCapabilities capabilities = new DeviceCapabilities(DeviceFacts.arch(session, timeout),
                    DeviceFacts.cpus(session, timeout), DeviceFacts.memoryMb(session, timeout),
                    DeviceFacts.freeDiskMb(session, services.of(edgeId).modelsDir(), timeout),
                    DeviceFacts.hasGpu(session, timeout), DeviceFacts.dockerVersion(session, timeout));
            edges.recordCapabilities(edgeId, capabilities);
            answer.put("arch", capabilities.arch());
            answer.put("cpus", capabilities.cpus());
            answer.put("memoryMb", capabilities.memoryMb());
            answer.put("freeDiskMb", capabilities.freeDiskMb());
            answer.put("gpu", capabilities.gpu());
            answer.put("dockerVersion", capabilities.dockerVersion());
            answer.put("success", true);
        } catch (SshRefusedException | IllegalStateException e) {
            answer.putIfAbsent("latencyMs", (System.nanoTime() - started) / 1_000_000);
            answer.put("success", false);
            answer.put("error", e.getMessage());
        }
        return answer;
    }
}
