package caravan.trajectory;

/**
 * The canonical track, the HER reference's trajectory message, plus the edge it came from (its topic).
 *
 * @param timestamp epoch milliseconds
 */
public record Track(
        String id,
        String deviceId,
        String venueId,
        long timestamp,
        Vector3 position,
        Vector3 velocity,
        String objectType,
        double confidence,
        String edgeId) {

    public record Vector3(double x, double y, double z) {
    }
}
