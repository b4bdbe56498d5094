package caravan.mqtt;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The MQTT broker the hub talks to.
 *
 * @param brokerUrl       an external broker ({@code tcp://host:1883}); when empty the hub runs an embedded MQTT 5 broker
 * @param username        the hub's account on the external broker
 * @param password        its password
 * @param dynamicSecurity the external broker is a Mosquitto with its dynamic security plugin, and the hub's account
 *                        may administer it: the hub keeps each edge's account and ACL there
 * @param ca              the CA (PEM) an external broker's certificate must be signed by, for an {@code ssl://} URL;
 *                        empty: the JVM's public roots
 * @param embedded        the embedded broker's listeners and data folder
 */
@ConfigurationProperties("caravan.mqtt")
public record MqttProperties(String brokerUrl, String username, String password, boolean dynamicSecurity, Path ca,
        @DefaultValue Embedded embedded) {

    /**
     * @param port        preferred port; when another process holds it, a free port is used and logged
     * @param bindAddress interface to listen on; 0.0.0.0 lets edges on the network connect
     * @param tlsPort     a TLS listener on this port too (0: none), with the hub's certificate (the {@code caravan}
     *                    SSL bundle, {@code CARAVAN_TLS_CERT} and {@code CARAVAN_TLS_KEY})
     */
    public record Embedded(
            @DefaultValue("1883") int port,
            @DefaultValue("127.0.0.1") String bindAddress,
            @DefaultValue("caravan-data/mqtt") Path dataDir,
            @DefaultValue("100000") int maxQueueSize,
            @DefaultValue("0") int tlsPort) {
    }

    public boolean external() {
        return brokerUrl != null && !brokerUrl.isBlank();
    }
}
