package caravan.trajectory;

/** A message as an edge published it, named with its edge: what the lanes take in batches. */
public record TrajectoryMessage(String edgeId, byte[] payload) {
}
