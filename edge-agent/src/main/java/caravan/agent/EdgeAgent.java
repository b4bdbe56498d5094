package caravan.agent;

import org.apache.camel.main.Main;

/**
 * The edge agent: Camel Main running the YAML routes of {@code edge-routes/} (or {@code CARAVAN_AGENT_ROUTES}) with the
 * beans of {@link AgentConfiguration}. No Spring, no hub code: it must stay small on a Raspberry Pi.
 */
public final class EdgeAgent {

    private EdgeAgent() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.setDefaultPropertyPlaceholderLocation("classpath:caravan-agent.properties");
        main.configure().addConfiguration(AgentConfiguration.class);
        // The deploy steps: a route template shared with the hub's SSH deploys, from caravan-deploy-runtime.
        main.configure().withRoutesIncludePattern("classpath:deploy/deploy-steps.camel.yaml,file:"
                + System.getenv().getOrDefault("CARAVAN_AGENT_ROUTES", "edge-routes") + "/*.yaml");
        System.exit(main.run(args));
    }

    /** The agent's version from its jar's manifest; {@code dev} when run from classes. */
    public static String version() {
        String version = EdgeAgent.class.getPackage().getImplementationVersion();
        return "caravan-edge-agent " + (version == null ? "dev" : version);
    }
}
