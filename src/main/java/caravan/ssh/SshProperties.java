package caravan.ssh;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Agentless edges, deployed to over SSH with the agent's deploy steps run from the hub.
 *
 * @param connectTimeout   connecting and logging in to an edge
 * @param stepTimeout      longest one docker command on the edge may take (a pull of a large image)
 * @param stateDir         on the edge, relative to the SSH user's home: the current and previous deployment and the
 *                         provider's config file ({@code config/extrinsics.json}), as the agent keeps them
 * @param secretsDir       on the edge: a tmpfs where registry credentials live only for the length of a pull
 * @param containerName    the provider container on the edge
 * @param minFreeDiskMb    megabytes that must stay free on the edge on top of the image being pulled
 * @param concurrentDeploys SSH deployments run at the same time (one at a time per edge)
 * @param probeInterval    how often SSH edges are asked for their Docker version, which marks them online, or
 *                         offline (unreachable) or error (host key not the pinned one)
 */
@ConfigurationProperties("caravan.ssh")
public record SshProperties(
        @DefaultValue("15s") Duration connectTimeout,
        @DefaultValue("10m") Duration stepTimeout,
        @DefaultValue(".caravan-edge") String stateDir,
        @DefaultValue("/dev/shm") String secretsDir,
        @DefaultValue("her-provider") String containerName,
        @DefaultValue("1024") long minFreeDiskMb,
        @DefaultValue("4") int concurrentDeploys,
        @DefaultValue("30s") Duration probeInterval) {
}
