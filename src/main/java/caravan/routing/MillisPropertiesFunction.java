package caravan.routing;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.spi.PropertiesFunction;
import org.springframework.boot.convert.DurationStyle;

/**
 * {@code {{millis:caravan.edges.group-tick}}} in a route: a duration setting in milliseconds, read the way Spring reads
 * it ({@code 300ms}, {@code 5s}, {@code PT5S}, {@code 500}). Camel reads a timer's period without ISO-8601 and a
 * redelivery delay only as a number, so routes could not take the settings as users write them. Found by Camel
 * through {@code META-INF/services/org/apache/camel/properties-function/millis}.
 */
public class MillisPropertiesFunction implements PropertiesFunction, CamelContextAware {

    private CamelContext camelContext;

    @Override
    public String getName() {
        return "millis";
    }

    @Override
    public String apply(String key) {
        String value = camelContext.getPropertiesComponent().resolveProperty(key)
                .orElseThrow(() -> new IllegalArgumentException("no setting " + key + " for {{millis:" + key + "}}"));
        return Long.toString(DurationStyle.detectAndParse(value.trim()).toMillis());
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }
}
