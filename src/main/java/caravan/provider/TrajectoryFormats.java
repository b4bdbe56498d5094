package caravan.provider;

/**
 * The trajectory formats the hub can map, which a provider's {@code trajectoryFormat} must name. The trajectory
 * capability answers it; providers ask through this interface so that they do not depend on it (trajectories
 * depend on deployments, which depend on providers).
 */
public interface TrajectoryFormats {

    /** What is wrong with {@code format} as a provider's trajectory format, or null when the hub can map it. */
    String problemWith(String format);
}
