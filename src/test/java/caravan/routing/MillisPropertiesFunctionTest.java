package caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MillisPropertiesFunctionTest {

    private final DefaultCamelContext camel = new DefaultCamelContext();

    @BeforeEach
    void settings() {
        Properties settings = new Properties();
        settings.put("caravan.tick", "300ms");
        settings.put("caravan.iso", "PT5S");
        settings.put("caravan.plain", "1500");
        settings.put("caravan.days", "7d");
        settings.put("caravan.wrong", "soon");
        camel.getPropertiesComponent().setInitialProperties(settings);
        camel.start();
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    @Test
    void placeholdersReadDurationsAsSpringWritesThem_inMilliseconds() {
        assertThat(camel.resolvePropertyPlaceholders("{{millis:caravan.tick}}")).isEqualTo("300");
        assertThat(camel.resolvePropertyPlaceholders("{{millis:caravan.iso}}")).isEqualTo("5000");
        assertThat(camel.resolvePropertyPlaceholders("{{millis:caravan.plain}}")).isEqualTo("1500");
        assertThat(camel.resolvePropertyPlaceholders("{{millis:caravan.days}}")).isEqualTo("604800000");
    }

    @Test
    void aMissingOrUnreadableSettingIsNamed() {
        assertThatThrownBy(() -> camel.resolvePropertyPlaceholders("{{millis:caravan.absent}}"))
                .hasStackTraceContaining("caravan.absent");
        assertThatThrownBy(() -> camel.resolvePropertyPlaceholders("{{millis:caravan.wrong}}"))
                .hasStackTraceContaining("soon");
    }
}
