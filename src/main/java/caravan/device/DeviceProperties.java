package caravan.device;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Devices that hold a command stream (transport {@code sse}): the stream, their commands, captures and schedules.
 *
 * @param keepalive        a comment goes down every open stream this often; devices give up on a silent stream
 *                         after their read timeout (the reference's STREAM_TIMEOUT, 70 s), so keep it well below
 * @param retry            the reconnect delay the stream suggests to its device ({@code retry:})
 * @param commandTtl       a command not acknowledged by then expires and is never sent
 * @param expiryCheck      how often commands past their expiry are marked expired
 * @param redeliverCheck   how often each hub looks for pending commands of the streams it holds: a notification
 *                         lost with the broker delays a command this long at most
 * @param staleAfter       a stream whose hub has not refreshed it for this long is taken for closed (a hub killed)
 * @param capturesDir      where captured images are kept, by sha256; shared by hubs sharing a database
 * @param maxCaptureSize   largest accepted image (decoded from base64 or as a multipart part)
 * @param historySize      triggers listed in a device's status
 * @param notifyTopic      the broker topic hubs tell each other about new commands on
 * @param schedulesSync    how often each hub brings its schedule routes in step with the database, should a notice
 *                         of a change have been lost
 */
@ConfigurationProperties("caravan.devices")
public record DeviceProperties(
        @DefaultValue("30s") Duration keepalive,
        @DefaultValue("5s") Duration retry,
        @DefaultValue("5m") Duration commandTtl,
        @DefaultValue("5s") Duration expiryCheck,
        @DefaultValue("5s") Duration redeliverCheck,
        @DefaultValue("2m") Duration staleAfter,
        @DefaultValue("caravan-data/captures") Path capturesDir,
        @DefaultValue("10MB") DataSize maxCaptureSize,
        @DefaultValue("20") int historySize,
        @DefaultValue("caravan/hubs/device-commands") String notifyTopic,
        @DefaultValue("30s") Duration schedulesSync) {
}
