package caravan.mqtt;

/** Whether a broker login is an edge's valid credential; the broker then gives it its edge's topics only. */
public interface EdgeLogins {

    boolean verify(String edgeId, String password);
}
