package caravan.mqtt;

import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Points every paho-mqtt5 endpoint at the broker {@link MqttBroker} chose, so routes name topics only. */
@Configuration(proxyBeanMethods = false)
public class MqttConfiguration {

    @Bean
    ComponentCustomizer mqttBrokerCustomizer(MqttBroker broker) {
        return ComponentCustomizer.forType(PahoMqtt5Component.class,
                component -> component.getConfiguration().setBrokerUrl(broker.url()));
    }
}
