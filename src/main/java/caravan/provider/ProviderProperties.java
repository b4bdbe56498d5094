package caravan.provider;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Provider intake and image builds.
 *
 * @param inbox           watched folder where operators drop .deb files and then their metadata JSON
 * @param workDir         where accepted REST uploads, build contexts and build logs are kept
 * @param rejectedDir     where rejected REST uploads are kept with their error.json
 * @param inboxSettle     how long a dropped file must stay unchanged before it is read
 * @param baseImages      metadata {@code ubuntuBase} to the base image a provider is built on
 * @param maxDebSize      largest accepted .deb
 * @param maxDebFiles     most .deb files in one build
 * @param buildParallelism builds that run at the same time on this hub
 * @param buildLease       how long a build this hub claimed stays its own without renewal (it renews while running):
 *                         how soon another hub takes over the builds of a hub that died
 * @param buildPollPeriod  how often the hub looks for builds in the queue (an upload to it is claimed at once)
 * @param logTailLines    build log lines the status API returns
 */
@ConfigurationProperties("caravan.providers")
public record ProviderProperties(
        @DefaultValue("caravan-data/inbox/providers") Path inbox,
        @DefaultValue("caravan-data/work") Path workDir,
        @DefaultValue("caravan-data/rejected") Path rejectedDir,
        @DefaultValue("1s") Duration inboxSettle,
        @DefaultValue Map<String, String> baseImages,
        @DefaultValue("512MB") DataSize maxDebSize,
        @DefaultValue("20") int maxDebFiles,
        @DefaultValue("1") int buildParallelism,
        @DefaultValue("1m") Duration buildLease,
        @DefaultValue("2s") Duration buildPollPeriod,
        @DefaultValue("50") int logTailLines) {

    public ProviderProperties {
        if (buildLease.compareTo(buildPollPeriod.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("caravan.providers.build-lease (" + buildLease + ") must be at least three "
                    + "build-poll-periods (" + buildPollPeriod + "): each poll renews the claims of running builds");
        }
        baseImages = baseImages == null || baseImages.isEmpty() ? Map.of("22.04", "ubuntu:22.04") : Map.copyOf(baseImages);
        baseImages.forEach((ubuntuBase, image) -> {
            if (image == null || image.isBlank()) {
                throw new IllegalArgumentException("caravan.providers.base-images[" + ubuntuBase + "] is empty: "
                        + "name the image providers with ubuntuBase " + ubuntuBase + " are built on");
            }
        });
    }

    public Path buildDir(String buildId) {
        return workDir.resolve("builds").resolve(buildId);
    }
}
