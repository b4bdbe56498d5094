package caravan.deploy;

/**
 * A command the agent will not apply: not signed by the hub, for another edge, expired, already applied, or with a
 * sealed secret it cannot open. The agent reports it and keeps running what it runs.
 */
public class CommandRefusedException extends Exception {

    private final String commandId;
    private final String reason;

    /**
     * @param commandId the id the command claims, if it could be read (untrusted when the signature failed)
     * @param reason    a short, stable word for metrics and the audit: unsigned, bad-signature, wrong-edge, …
     */
    public CommandRefusedException(String commandId, String reason, String detail) {
        super(reason + ": " + detail);
        this.commandId = commandId;
        this.reason = reason;
    }

    public String commandId() {
        return commandId;
    }

    public String reason() {
        return reason;
    }
}
