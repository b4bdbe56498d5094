package caravan.edge;

/** A deployment a group's wave started: a provider's, or a model's (see {@link ModelRollouts}). */
public interface Rollout {

    String deploymentId();
}
