package caravan.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class AgentCommandTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void theImageIsPinnedToTheRecordedDigest_whateverTheTagNowPointsAt() throws Exception {
        assertThat(deploy("registry.local:5000/caravan/providers/tracker:1.0", DIGEST).image())
                .isEqualTo("registry.local:5000/caravan/providers/tracker@" + DIGEST);
        assertThat(deploy("tracker", DIGEST).image()).isEqualTo("tracker@" + DIGEST);
        assertThat(deploy("registry.local:5000/tracker@" + DIGEST, DIGEST).image())
                .isEqualTo("registry.local:5000/tracker@" + DIGEST);
    }

    @Test
    void aDocumentWithoutADigestKeepsItsTag() throws Exception {
        assertThat(deploy("registry.local:5000/tracker:1.0", null).image()).isEqualTo("registry.local:5000/tracker:1.0");
    }

    private static AgentCommand deploy(String image, String digest) throws Exception {
        String provider = "{\"image\": \"" + image + "\"" + (digest == null ? "" : ", \"digest\": \"" + digest + "\"") + "}";
        return new AgentCommand("deploy", "c1", MAPPER.readTree("{\"deploymentId\": \"d1\", \"provider\": " + provider + "}"),
                null, null, null, null, null);
    }
}
