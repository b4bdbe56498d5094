package caravan.routing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The folder of routes engineers add without a rebuild ({@code caravan.routes.external-dir}). Camel's {@code file:}
 * include pattern fails on a missing folder, so it is created here, before any bean (Camel's context included).
 */
@Component
public class ExternalRoutesFolder implements BeanFactoryPostProcessor, EnvironmentAware {

    private static final Logger LOG = LoggerFactory.getLogger(ExternalRoutesFolder.class);

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        Path folder = Path.of(environment.getRequiredProperty("caravan.routes.external-dir"));
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the external routes folder " + folder, e);
        }
        LOG.info("Loading *.camel.yaml routes from {} as well as the built-in ones", folder.toAbsolutePath());
    }
}
