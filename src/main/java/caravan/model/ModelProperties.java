package caravan.model;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Policy models: intake, validation, storage and deployment to devices.
 *
 * @param storeDir          where accepted models are kept, by sha256; shared by hubs sharing a database
 * @param inbox             watched folder: drop the .onnx, then its metadata JSON
 * @param inboxSettle       how long a dropped file must stay unchanged before it is read
 * @param rejectedDir       where rejected REST uploads are kept with their error.json
 * @param maxSize           largest accepted model
 * @param maxOpset          newest {@code ai.onnx} operator set accepted: what the devices' ONNX Runtime implements
 * @param diskMargin        free space a device must keep on top of the model being uploaded
 * @param keepVersions      model versions kept on a device, the one served included; older ones are pruned
 * @param healthWindow      how long the service must stay active after a restart before a deploy counts
 * @param healthPoll        how often the service is asked during the window
 * @param stepTimeout       longest one command on a device may take (an upload has its own, by size)
 * @param concurrentDeploys model deployments run at the same time (one at a time per device)
 * @param deployLease       how long a deployment this hub claimed stays its own without renewal (it renews while
 *                          running): how soon another hub takes up the deployments of a hub that died
 * @param claimPeriod       how often the hub renews its claims and looks for deployments no running hub holds
 */
@ConfigurationProperties("caravan.models")
public record ModelProperties(
        @DefaultValue("caravan-data/models") Path storeDir,
        @DefaultValue("caravan-data/inbox/models") Path inbox,
        @DefaultValue("1s") Duration inboxSettle,
        @DefaultValue("caravan-data/rejected/models") Path rejectedDir,
        @DefaultValue("512MB") DataSize maxSize,
        @DefaultValue("21") long maxOpset,
        @DefaultValue("64MB") DataSize diskMargin,
        @DefaultValue("3") int keepVersions,
        @DefaultValue("10s") Duration healthWindow,
        @DefaultValue("1s") Duration healthPoll,
        @DefaultValue("2m") Duration stepTimeout,
        @DefaultValue("4") int concurrentDeploys,
        @DefaultValue("1m") Duration deployLease,
        @DefaultValue("2s") Duration claimPeriod) {

    public ModelProperties {
        if (keepVersions < 2) {
            throw new IllegalArgumentException("caravan.models.keep-versions must be at least 2: the model served and "
                    + "the one a rollback returns to");
        }
        if (deployLease.compareTo(claimPeriod.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("caravan.models.deploy-lease (" + deployLease + ") must be at least three "
                    + "claim-periods (" + claimPeriod + "): each claim renews the leases of running deployments");
        }
    }
}
