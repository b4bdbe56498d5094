package caravan.mqtt;

import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import caravan.deploy.TrustedCa;

/**
 * The routes' MQTT endpoints log in with the hub's account on the broker {@link MqttBroker} chose, and trust only its
 * CA ({@code CARAVAN_MQTT_CA}) on an {@code ssl://} URL.
 */
@Configuration
public class HubMqttLogin {

    @Bean
    ComponentCustomizer pahoMqttHubLogin(MqttBroker broker) {
        return ComponentCustomizer.builder(PahoMqtt5Component.class).build(component -> {
            if (!broker.username().isEmpty()) {
                component.getConfiguration().setUserName(broker.username());
                component.getConfiguration().setPassword(broker.password());
            }
            if (broker.ca() != null) {
                component.getConfiguration().setSocketFactory(TrustedCa.sslContext(broker.ca()).getSocketFactory());
                component.getConfiguration().setHttpsHostnameVerificationEnabled(true);
            }
        });
    }

    @Bean
    ComponentCustomizer hiveMqttHubLogin(MqttBroker broker) {
        return ComponentCustomizer.builder(HiveMqttComponent.class).build(component -> {
            component.setUserName(broker.username());
            component.setPassword(broker.password());
            if (broker.ca() != null) {
                component.setTrustManagers(TrustedCa.trustManagers(broker.ca()));
            }
        });
    }
}
