package caravan.deploy;

/** The configured Docker engine did not answer; the message says which address was tried and how to set another. */
public class DockerUnavailableException extends RuntimeException {

    /** {@code setting} names where the address is configured, e.g. {@code caravan.docker.host (environment CARAVAN_DOCKER_HOST)}. */
    public DockerUnavailableException(String host, String setting, Throwable cause) {
        super("Docker engine not reachable at " + host + " (" + rootMessage(cause) + "). Start Docker there, or point "
                + setting + " at the engine, e.g. unix:///var/run/docker.sock or tcp://build-host:2375", cause);
    }

    /** The innermost cause's message: what the engine or the network actually said. */
    public static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
