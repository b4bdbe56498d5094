package caravan.ssh;

/** The hub could not log in to an SSH edge; nothing on the edge was touched. */
public class SshRefusedException extends RuntimeException {

    private final boolean wrongHostKey;

    public SshRefusedException(String message, boolean wrongHostKey) {
        super(message);
        this.wrongHostKey = wrongHostKey;
    }

    /** The edge presented another host key than the pinned one: it is not the device that was commissioned. */
    public boolean wrongHostKey() {
        return wrongHostKey;
    }
}
