package caravan.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.testing.HubClient;
import caravan.testing.Services;

/**
 * The viewport page in headless Chromium (Debian's, driven by Playwright): tracks published with mosquitto_pub
 * become dots; the same tracks replay from storage. Screenshots are kept in target/viewport/.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ViewportIT {

    static final String PREFIX = "viewport-" + UUID.randomUUID().toString().substring(0, 8) + "/trajectories";
    static final Path ARTIFACTS = Path.of("target", "viewport");

    static Playwright playwright;
    static Browser browser;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, Services.tempDir("caravan-viewport-it"));
        registry.add("caravan.trajectories.topic", () -> PREFIX + "/#");
        registry.add("caravan.trajectories.storage-batch-timeout", () -> "200ms");
    }

    @BeforeAll
    static void chromium() throws Exception {
        Files.createDirectories(ARTIFACTS);
        // Playwright unpacks its driver into java.io.tmpdir (target/it-tmp), which may not exist yet when this runs first
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(Path.of(Services.get("CARAVAN_TEST_CHROMIUM")))
                .setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync")));
    }

    @AfterAll
    static void closeChromium() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    TestRestTemplate http;

    @Test
    void publishedTracksBecomeDotsAndReplayFromStorage() throws Exception {
        String venue = "venue-" + UUID.randomUUID();
        Page page = loggedInViewport("/?venueId=" + venue);

        long now = System.currentTimeMillis();
        publish("edge-1", track(venue, "person-1", "person", now, 2.0, 3.0));
        publish("edge-1", track(venue, "person-2", "person", now, 8.0, 1.5));
        publish("edge-2", track(venue, "forklift-1", "forklift", now, 5.0, 9.0));
        publish("edge-2", track("another-venue", "elsewhere", "person", now, 1.0, 1.0));

        page.waitForFunction("() => window.caravanViewport.trackCount === 3");
        assertThat(page.textContent("#track-count")).isEqualTo("3");
        assertThat(page.textContent("#edges tbody")).contains("edge-1", "edge-2");
        assertThat(page.textContent("#legend")).contains("forklift", "person");
        page.screenshot(new Page.ScreenshotOptions().setPath(ARTIFACTS.resolve("live.png")));

        // Storage is batched: replay what is stored, as a user replaying later would.
        await().atMost(Duration.ofSeconds(10)).until(() -> http.getForObject("/api/venues/" + venue + "/tracks",
                JsonNode.class).get("tracks").size() == 3);
        page.click("#replay");
        page.waitForFunction("() => window.caravanViewport.mode === 'replay' && window.caravanViewport.trackCount === 3");
        assertThat(page.textContent("#replay-status")).isEqualTo("3 positions");
        page.screenshot(new Page.ScreenshotOptions().setPath(ARTIFACTS.resolve("replay.png")));
        assertThat(ARTIFACTS.resolve("live.png")).isNotEmptyFile();
    }

    @Test
    void theVenueRegistryFillsThePickerAndDrawsTheChosenVenuesBounds() throws Exception {
        String venue = "venue-registered-" + UUID.randomUUID().toString().substring(0, 8);
        HubClient.putJson(http, "/api/venues/" + venue, "{\"name\": \"Hall B\", "
                + "\"venueBounds\": {\"minX\": -2, \"maxX\": 48, \"minZ\": 0, \"maxZ\": 30}}");
        Page page = loggedInViewport("/?venueId=" + venue);

        page.waitForFunction("() => window.caravanViewport.venueBounds !== null");
        assertThat(page.evaluate("() => JSON.stringify(window.caravanViewport.venueBounds)"))
                .isEqualTo("{\"minX\":-2,\"maxX\":48,\"minZ\":0,\"maxZ\":30}");
        page.waitForFunction("id => [...document.querySelectorAll('#venue option')].some(o => o.value === id)", venue);
        page.screenshot(new Page.ScreenshotOptions().setPath(ARTIFACTS.resolve("venue-bounds.png")));
    }

    @Test
    void anAlertRuleFromTheRulesFileShowsOnThePageAndCanBeAcknowledged() throws Exception {
        // alerts/rules.yaml, as shipped: a person entering the loading dock of example-venue.
        String person = "person-" + UUID.randomUUID().toString().substring(0, 8);
        Page page = loggedInViewport("/?venueId=example-venue");

        long now = System.currentTimeMillis();
        publish("edge-1", track("example-venue", person, "person", now, 20.0, 20.0));
        publish("edge-1", track("example-venue", person, "person", now + 100, 5.0, 2.0));

        page.waitForFunction("id => document.getElementById('alerts').textContent.includes(id)", person);
        assertThat(page.textContent("#alerts")).contains("Person on the loading dock (person " + person
                + " entered zone loading-dock-entry)");
        page.screenshot(new Page.ScreenshotOptions().setPath(ARTIFACTS.resolve("alert.png")));

        page.locator("#alerts li").filter(new com.microsoft.playwright.Locator.FilterOptions().setHasText(person))
                .locator("button").click();
        page.waitForFunction("id => [...document.querySelectorAll('#alerts li.acknowledged')]"
                + ".some(li => li.textContent.includes(id))", person);
    }

    /**
     * Opens the viewport as a person would: the hub sends the browser to its login page, the admin key is typed in
     * once, and the page comes back on a session (changes from it then carry the CSRF token).
     */
    private Page loggedInViewport(String path) {
        Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1280, 800));
        page.navigate("http://127.0.0.1:" + port + path);
        assertThat(page.url()).contains("/login.html?next=");
        page.fill("#key", Services.ADMIN_KEY);
        page.click("button[type=submit]");
        page.waitForFunction("() => window.caravanViewport && window.caravanViewport.connected");
        assertThat(page.url()).isEqualTo("http://127.0.0.1:" + port + path);
        return page;
    }

    private static String track(String venue, String id, String type, long timestamp, double x, double z) {
        return """
                {"id": "%s", "deviceId": "d1", "venueId": "%s", "timestamp": %d, "position": {"x": %s, "y": 0, "z": %s},
                 "velocity": {"x": 0.2, "y": 0, "z": 0.1}, "objectType": "%s", "confidence": 0.9}"""
                .formatted(id, venue, timestamp, x, z, type);
    }

    private static void publish(String edgeId, String message) throws Exception {
        Services.CommandResult result = Services.run("mosquitto_pub", "-L",
                Services.mqttLoginUrl() + "/" + PREFIX + "/" + edgeId, "-q", "1", "-m", message);
        assertThat(result.exitCode()).as(result.output()).isZero();
    }
}
