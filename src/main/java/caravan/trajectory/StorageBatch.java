package caravan.trajectory;

import java.util.List;

import caravan.mqtt.Acknowledgement;

/**
 * Tracks on their way to storage, with the acknowledgements of the messages they came from (of messages whose
 * tracks were all rejected or seen before, too): those are due once the tracks are committed, so the broker counts a
 * message as delivered only when what it carried is stored.
 */
public record StorageBatch(List<Track> tracks, List<Acknowledgement> acknowledgements) {
}
