package routes;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

import caravan.ssh.SshProperties;

/**
 * Agentless edges: the agent's deploy steps run from the hub over SSH, one deploy per edge at a time, each step
 * recorded on the deployment. A login that fails (unreachable, wrong host key, refused credentials) fails the
 * deployment with the reason and leaves the edge untouched. SSH edges are probed so their status stays current.
 */
@Component
public class SshDeployRoute extends RouteBuilder {

    private final SshProperties properties;

    public SshDeployRoute(SshProperties properties) {
        this.properties = properties;
    }

    @Override
    public void configure() {
        from("seda:ssh-deploy?concurrentConsumers=" + properties.concurrentDeploys()).routeId("ssh-deploy")
                .onException(Exception.class).handled(true)
                    .bean("deploymentStore", "advance(${header.CaravanDeploymentId}, 'failed', ${exception.message})")
                .end()
                .bean("sshDeployments", "connect")
                .doTry()
                    .bean("sshDeployments", "pull")
                    .bean("sshDeployments", "replaceContainer")
                    .bean("sshDeployments", "awaitHealthy")
                .doCatch(Exception.class)
                    .bean("sshDeployments", "fail(${body}, ${exception})")
                .doFinally()
                    .bean("sshDeployments", "close")
                .end();

        from("timer:ssh-edge-probe?period=" + properties.probeInterval().toMillis()).routeId("ssh-edge-probe")
                .bean("sshDeployments", "sshEdgeIds")
                .split(body()).parallelProcessing() // an unreachable edge waits out its connect timeout alone
                    .bean("sshDeployments", "probe")
                .end();
    }
}
