package caravan.trajectory;

import caravan.mqtt.Acknowledgement;

/**
 * A message as an edge published it, named with its edge: what the lanes take in batches. Its acknowledgement is
 * due once its tracks are stored.
 */
public record TrajectoryMessage(String edgeId, byte[] payload, Acknowledgement acknowledgement) {
}
