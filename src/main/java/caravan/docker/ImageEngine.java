package caravan.docker;

import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.async.ResultCallbackTemplate;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import jakarta.annotation.PreDestroy;
import org.springframework.stereotype.Component;

import caravan.deploy.DockerClients;
import caravan.deploy.DockerUnavailableException;

/**
 * Builds, tags and pushes images on the configured Docker engine with docker-java. camel-docker is not used here:
 * its image build cannot set the network mode and its push swallows failures.
 */
@Component
public class ImageEngine {

    private static final String HOST_SETTING = "caravan.docker.host (environment CARAVAN_DOCKER_HOST)";

    private final RegistryProperties registry;
    private final String host;
    private final Duration stepTimeout;
    private DockerClient client;

    public ImageEngine(DockerProperties docker, RegistryProperties registry) {
        this.registry = registry;
        this.host = docker.host();
        this.stepTimeout = docker.stepTimeout();
    }

    public String host() {
        return host;
    }

    /**
     * The client, made on first use with the API version the engine speaks (the hub must start without an engine).
     * Fails with {@link DockerUnavailableException} naming the engine address when it does not answer.
     */
    public synchronized DockerClient requireEngine() {
        if (client == null) {
            client = DockerClients.connect(host, HOST_SETTING);
        }
        try {
            client.pingCmd().exec();
            return client;
        } catch (RuntimeException e) {
            throw new DockerUnavailableException(host, HOST_SETTING, e);
        }
    }

    /**
     * Builds a tar build context with host networking (the sandboxed engines we target have no bridge) and tags it.
     * A build that outlasts {@code caravan.docker.step-timeout} is abandoned and fails.
     *
     * @return the image id
     */
    public String build(InputStream contextTar, Set<String> tags, String platform, Consumer<String> log)
            throws InterruptedException {
        DockerClient client = requireEngine();
        BuildImageResultCallback callback = new BuildImageResultCallback() {
            @Override
            public void onNext(BuildResponseItem item) {
                if (item.getStream() != null && !item.getStream().isBlank()) {
                    log.accept(item.getStream().stripTrailing());
                }
                if (item.isErrorIndicated()) {
                    log.accept("ERROR " + errorOf(item));
                }
                super.onNext(item);
            }
        };
        client.buildImageCmd(contextTar)
                .withNetworkMode("host")
                .withTags(tags)
                .withPlatform(platform)
                .withPull(false)
                // Intermediate containers go even when a step fails: on a vfs engine each is a full copy of the image.
                .withForcerm(true)
                .exec(callback);
        awaitWithinStepTimeout(callback, "build of " + String.join(", ", tags));
        return callback.awaitImageId();
    }

    /** A request the engine stopped answering in the middle: the failure names the engine, and whether it is gone. */
    private RuntimeException namingTheEngine(String what, RuntimeException cutOff) {
        try {
            requireEngine();
        } catch (DockerUnavailableException gone) {
            return new IllegalStateException(what + " was cut off: " + gone.getMessage(), cutOff);
        }
        return new IllegalStateException(what + " was cut off by the Docker engine at " + host + ": "
                + DockerUnavailableException.rootMessage(cutOff), cutOff);
    }

    /**
     * Pushes {@code repository:tag} with the configured credentials and returns the registry's manifest digest.
     * Every error the engine streams back fails the push, and so does outlasting {@code caravan.docker.step-timeout}.
     */
    public String push(String repository, String tag, Consumer<String> log) throws InterruptedException {
        DockerClient client = requireEngine();
        AtomicReference<String> digest = new AtomicReference<>();
        AtomicReference<String> error = new AtomicReference<>();
        ResultCallback.Adapter<PushResponseItem> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(PushResponseItem item) {
                if (item.isErrorIndicated()) {
                    error.compareAndSet(null, errorOf(item));
                } else if (item.getAux() != null && item.getAux().getDigest() != null) {
                    digest.set(item.getAux().getDigest());
                } else if (item.getStatus() != null && item.getProgressDetail() == null) {
                    log.accept((item.getId() == null ? "" : item.getId() + ": ") + item.getStatus());
                }
            }
        };
        var push = client.pushImageCmd(repository).withTag(tag);
        if (registry.hasCredentials()) {
            push.withAuthConfig(new AuthConfig().withRegistryAddress(registry.url())
                    .withUsername(registry.username()).withPassword(registry.password()));
        }
        push.exec(callback);
        awaitWithinStepTimeout(callback, "push of " + repository + ":" + tag + " to " + registry.url());
        if (error.get() != null) {
            throw new IllegalStateException("push of " + repository + ":" + tag + " to " + registry.url()
                    + " failed: " + error.get());
        }
        if (digest.get() == null) {
            throw new IllegalStateException("push of " + repository + ":" + tag + " reported no digest");
        }
        return digest.get();
    }

    /**
     * Waits for the engine's stream to end; on timeout closes it, which makes the engine abandon the request. A
     * stream cut off fails naming the engine.
     */
    private void awaitWithinStepTimeout(ResultCallbackTemplate<?, ?> callback, String what) throws InterruptedException {
        boolean completed;
        try {
            completed = callback.awaitCompletion(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException cutOff) {
            throw namingTheEngine(what, cutOff);
        }
        if (!completed) {
            try {
                callback.close();
            } catch (java.io.IOException e) {
                // Closing is best effort: the timeout below is what the build reports.
            }
            throw new IllegalStateException(what + " did not finish within " + stepTimeout
                    + "; raise caravan.docker.step-timeout if the engine is just slow");
        }
    }

    /**
     * Removes the tag {@code reference} and the layers only it used, when it still names {@code imageId}: another
     * build of the same version may have tagged its own image since. Best effort: an image a container uses, a tag
     * that moved on or an engine that does not answer keeps the image, and the reason is returned.
     *
     * @return empty when removed or already gone, else why it stays
     */
    public Optional<String> removeImage(String reference, String imageId) {
        try {
            DockerClient engine = requireEngine();
            String tagged = engine.inspectImageCmd(reference).exec().getId();
            // The build's id may be the short one of "Successfully built …"
            if (imageId != null && !tagged.replace("sha256:", "").startsWith(imageId.replace("sha256:", ""))) {
                return Optional.of("the tag names another build's image now (" + tagged + ")");
            }
            engine.removeImageCmd(reference).exec();
            return Optional.empty();
        } catch (NotFoundException gone) {
            return Optional.empty();
        } catch (DockerException | DockerUnavailableException refused) {
            return Optional.of(DockerUnavailableException.rootMessage(refused));
        }
    }

    public boolean imageExists(String reference) {
        try {
            requireEngine().inspectImageCmd(reference).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private static String errorOf(com.github.dockerjava.api.model.ResponseItem item) {
        if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
            return item.getErrorDetail().getMessage();
        }
        return item.getError();
    }

    @PreDestroy
    synchronized void close() throws java.io.IOException {
        if (client != null) {
            client.close();
        }
    }
}
