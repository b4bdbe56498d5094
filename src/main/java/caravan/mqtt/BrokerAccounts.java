package caravan.mqtt;

/**
 * The broker's side of an edge's credential: told when one is issued (replacing any earlier) and when it is revoked,
 * so the broker lets in, and keeps in, only edges with a valid credential.
 */
public interface BrokerAccounts {

    void issued(String edgeId, String password);

    void revoked(String edgeId);
}
