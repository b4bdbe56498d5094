package caravan.edge;

/** Fetches the host key an SSH device presents, as {@code ssh-keyscan} does, without logging in or trusting it. */
public interface HostKeys {

    SshHostKey fetch(String address, int port);
}
