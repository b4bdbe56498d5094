package caravan.routing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The folder of routes engineers add without a rebuild. Camel's {@code file:} include pattern fails on a missing
 * folder, so it is created when this bean is made: Camel's auto-configuration collects every
 * {@link CamelContextConfiguration} before it creates the context and loads routes.
 */
@Component
public class ExternalRoutesFolder implements CamelContextConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ExternalRoutesFolder.class);

    public ExternalRoutesFolder(@Value("${caravan.routes.external-dir}") Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the external routes folder " + folder, e);
        }
        LOG.info("Loading *.camel.yaml routes from {} as well as the built-in ones", folder.toAbsolutePath());
    }

    @Override
    public void beforeApplicationStart(CamelContext camelContext) {
    }

    @Override
    public void afterApplicationStart(CamelContext camelContext) {
    }
}
