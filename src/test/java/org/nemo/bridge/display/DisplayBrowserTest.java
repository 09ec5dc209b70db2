package org.nemo.bridge.display;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.nemo.bridge.support.Browser;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.boot.web.server.WebServer;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
/**
 * The display pages in a real headless chromium against the running service: NEMO rows
 * in a real PostgreSQL, and assertions on what a person in front of the screen reads.
 */
@CamelSpringBootTest
// a fixed port: the web server is stopped and started again, and must come back where the page looks
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
// the board test runs first only so that its screenshots show its lab and no other test's tools
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DisplayBrowserTest {

    private static final Logger LOG = LoggerFactory.getLogger(DisplayBrowserTest.class);
    static final Duration LIVE = Duration.ofSeconds(2);
    static final Duration LOST = Duration.ofSeconds(10);
    static final Duration STARTUP = Duration.ofSeconds(20);

    private static final class Fixture {
        static final TestBroker BROKER = new HiveMqBroker();
        static final String DATABASE = TestDatabase.create("display_browser");
        static final int PORT = freePort();

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> Fixture.PORT);
        TestBridge.connect(registry, Fixture.DATABASE, Fixture.BROKER::url);
        registry.add("bridge.display.lab-name", () -> "Cleanroom 2");
        registry.add("bridge.display.reconnect-delay", () -> "1s");
    }

    static ChromeDriver browser;

    @Autowired
    DataSource dataSource;

    @Autowired
    WebServerApplicationContext web;

    @Autowired
    DisplayFeed feed;

    NemoLab lab;

    @BeforeAll
    static void startBrowser() {
        browser = Browser.start(1280, 800);
    }

    @AfterAll
    static void quitBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void lab() {
        lab = new NemoLab(dataSource);
    }

    @Test
    void tabletShowsTheUserWithinTwoSecondsOfEnablingTheTool() {
        int tool = lab.tool("Scanning Electron Microscope");
        int ada = lab.user("Ada", "Lovelace");
        openLive("/display/" + tool);
        assertThat(text("[data-field=tool_name]")).isEqualTo("Scanning Electron Microscope");
        assertThat(text("[data-field=status]")).isEqualToIgnoringCase("Free");

        long enabledAt = System.nanoTime();
        lab.enable(tool, ada);

        within(LIVE, () -> text("[data-field=user]").equals("Ada Lovelace"));
        LOG.info("The tool display showed the user {} ms after the enable committed (polled every 50 ms)",
                (System.nanoTime() - enabledAt) / 1_000_000);
        assertThat(text("[data-field=status]")).isEqualToIgnoringCase("In use");
        assertThat(text("[data-field=since]")).startsWith("since ");
        assertThat(text("[data-field=elapsed]")).matches("· \\d+ s");
        assertThat(text(".lab")).isEqualTo("Cleanroom 2");
    }

    @Test
    void afterAServerRestartThePageSaysConnectionLostThenCatchesUpWithoutAReload() {
        int tool = lab.tool("Plasma Etcher");
        int ada = lab.user("Ada", "Lovelace");
        int grace = lab.user("Grace", "Hopper");
        int usage = lab.enable(tool, ada);
        openLive("/display/" + tool);
        within(LIVE, () -> text("[data-field=user]").equals("Ada Lovelace"));
        browser.executeScript("window.loadedOnce = 'still the same page'");

        WebServer server = web.getWebServer();
        server.stop();
        try {
            within(LOST, () -> text("[data-field=connection]").equals("Connection lost — reconnecting…"));
            // the banner turns red, and the state it still shows is dimmed
            assertThat(browser.findElement(By.cssSelector("footer.connection")).getCssValue("background-color"))
                    .isEqualTo("rgba(239, 68, 68, 1)");
            // what happens while the server is away is caught up on reconnect
            lab.disable(usage);
            lab.enable(tool, grace);
        } finally {
            server.start();
        }

        within(STARTUP, () -> text("[data-field=connection]").equals("Live"));
        assertThat(text("[data-field=user]")).isEqualTo("Grace Hopper");
        assertThat(text("[data-field=previous_user]")).isEqualTo("Ada Lovelace");
        assertThat(browser.executeScript("return window.loadedOnce")).isEqualTo("still the same page");

        lab.setOperational(tool, false);
        within(LIVE, () -> text("[data-field=status]").equalsIgnoreCase("Down"));
    }

    @Test
    void whenTheServerEndsTheStreamThePageReconnectsAndShowsLaterChanges() {
        int tool = lab.tool("Wire Bonder");
        int marie = lab.user("Marie", "Curie");
        openLive("/display/" + tool);
        browser.executeScript("window.loadedOnce = 'still the same page'");

        feed.closeAll();

        within(LOST, () -> text("[data-field=connection]").startsWith("Connection lost"));
        within(STARTUP, () -> text("[data-field=connection]").equals("Live"));
        lab.enable(tool, marie);
        within(LIVE, () -> text("[data-field=user]").equals("Marie Curie"));
        assertThat(browser.executeScript("return window.loadedOnce")).isEqualTo("still the same page");
    }

    @Test
    void whileTheBoardCannotBeReadThePageSaysItsStateMayBeOld() {
        int tool = lab.tool("Critical Point Dryer");
        openLive("/display/" + tool);

        // the board's query reads NEMO's tasks: without them it fails, as with the database away
        lab.db().execute("ALTER TABLE \"NEMO_task\" RENAME TO \"NEMO_task_away\"");
        try {
            within(LOST, () -> text("[data-field=connection]").equals("Status unavailable — showing the last known state"));
            assertThat(text("[data-field=tool_name]")).isEqualTo("Critical Point Dryer");
        } finally {
            lab.db().execute("ALTER TABLE \"NEMO_task_away\" RENAME TO \"NEMO_task\"");
        }
        within(LOST, () -> text("[data-field=connection]").equals("Live"));
    }

    @Test
    void aProblemReportIsShownAndANextReservationOnlyWhenTheStateCarriesOne() {
        int tool = lab.tool("Mask Aligner");
        lab.disable(lab.enable(tool, lab.user("Chien-Shiung", "Wu")));
        openLive("/display/" + tool);
        assertThat(browser.findElement(By.cssSelector("[data-fact=next_reservation]")).isDisplayed()).isFalse();

        lab.task(tool, "Lamp flickers; exposure times unreliable", false);
        within(LIVE, () -> text("[data-field=problem]").equals("⚠ Lamp flickers; exposure times unreliable"));
        assertThat(text("[data-field=status]")).isEqualToIgnoringCase("Free");
        assertThat(text("[data-field=since]")).startsWith("free since ");

        lab.setOperational(tool, false);
        within(LIVE, () -> text("[data-field=status]").equalsIgnoreCase("Down"));
        assertThat(text("[data-field=since]")).startsWith("unused since ");

        // another feature of the bridge adds next_reservation to the state; the page shows it when there
        lab.db().execute("ALTER TABLE mqtt_bridge.tool_state ADD COLUMN IF NOT EXISTS next_reservation jsonb");
        lab.db().update("UPDATE mqtt_bridge.tool_state SET next_reservation = jsonb_build_object("
                + "'start', now() + interval '1 hour', 'user', 'Rosalind Franklin') WHERE tool_id = ?", tool);
        within(LIVE, () -> text("[data-field=next_reservation]").endsWith("· Rosalind Franklin"));
    }

    @Test
    @Order(1)
    void boardShowsEveryToolAsATileAndFiltersByCategoryAndStatus() throws IOException {
        // real NEMO has these columns; the small test schema does not, until now
        lab.db().execute("ALTER TABLE \"NEMO_tool\" ADD COLUMN IF NOT EXISTS category varchar(1000) NOT NULL DEFAULT ''");
        lab.db().execute("ALTER TABLE \"NEMO_tool\" ADD COLUMN IF NOT EXISTS location varchar(100)");
        int aligner = board("Contact Aligner", "Lithography/Optical", "Bay 1");
        int stepper = board("i-Line Stepper", "Lithography/Optical", "Bay 1");
        int ebl = board("E-beam Writer", "Lithography/E-beam", "Bay 2");
        int etcher = board("ICP Etcher", "Etch", "Bay 3");
        int evaporator = board("E-beam Evaporator", "Deposition", "Bay 4");
        int sputter = board("Sputter Coater", "Deposition", "Bay 4");
        int sem = board("SEM", "Characterization", "Bay 5");
        int ellipsometer = board("Ellipsometer", "Characterization", "Bay 5");
        enabledMinutesAgo(aligner, lab.user("Ada", "Lovelace"), 72);
        enabledMinutesAgo(ebl, lab.user("Grace", "Hopper"), 8);
        int usage = lab.enable(sem, lab.user("Marie", "Curie"));
        lab.disable(usage);
        enabledMinutesAgo(sem, lab.user("Rosalind", "Franklin"), 25);
        lab.setOperational(etcher, false);
        lab.task(etcher, "Chamber leak: do not use", true);
        lab.task(sputter, "Target nearly used up", false);
        enabledMinutesAgo(evaporator, lab.user("Dorothy", "Hodgkin"), 140);

        browser.manage().window().setSize(new Dimension(1600, 900));
        try {
            openLive("/display");
            within(LIVE, () -> tile(sem).getText().contains("Rosalind Franklin"));
            assertThat(tile(evaporator).getText()).contains("2 h 20 min");
            assertThat(tile(etcher).getText()).contains("DOWN").contains("⚠ Chamber leak: do not use");
            assertThat(tile(aligner).getText()).contains("IN USE").contains("Ada Lovelace");
            assertThat(tile(ellipsometer).getText()).contains("FREE");
            Browser.screenshot(browser, "display-board.png");

            new Select(browser.findElement(By.name("category"))).selectByValue("Lithography");
            assertThat(visibleTiles()).containsExactlyInAnyOrder("Contact Aligner", "E-beam Writer", "i-Line Stepper");
            new Select(browser.findElement(By.name("status"))).selectByValue("in-use");
            assertThat(visibleTiles()).containsExactlyInAnyOrder("Contact Aligner", "E-beam Writer");
            assertThat(browser.getCurrentUrl()).contains("category=Lithography").contains("status=in-use");

            // the filter is in the URL: a bookmarked board opens filtered, and stays live
            openLive("/display?status=down&theme=light");
            assertThat(visibleTiles()).contains("ICP Etcher").doesNotContain("SEM", "i-Line Stepper");
            lab.setOperational(stepper, false);
            within(LIVE, () -> visibleTiles().contains("i-Line Stepper"));
        } finally {
            browser.manage().window().setSize(new Dimension(1280, 800));
        }

        openLive("/display/" + sem);
        within(LIVE, () -> text("[data-field=user]").equals("Rosalind Franklin"));
        assertThat(text("[data-field=previous_user]")).isEqualTo("Marie Curie");
        assertThat(text("[data-field=elapsed]")).matches("· 25 min \\d+ s");
        Browser.screenshot(browser, "display-tool.png");
    }

    private int board(String name, String category, String location) {
        int id = lab.tool(name);
        lab.db().update("UPDATE \"NEMO_tool\" SET category = ?, location = ? WHERE id = ?", category, location, id);
        return id;
    }

    /** A usage that began a while ago, as NEMO records one, so that the screenshots show real durations. */
    private void enabledMinutesAgo(int toolId, int userId, int minutes) {
        lab.db().update("INSERT INTO \"NEMO_usageevent\" (user_id, operator_id, tool_id, start) "
                + "VALUES (?, ?, ?, clock_timestamp() - make_interval(mins => ?))", userId, userId, toolId, minutes);
    }

    private WebElement tile(int toolId) {
        return browser.findElement(By.cssSelector(".tile[data-tool-id='" + toolId + "']"));
    }

    private List<String> visibleTiles() {
        return browser.findElements(By.cssSelector(".tile")).stream().filter(WebElement::isDisplayed)
                .map(t -> t.findElement(By.cssSelector("[data-field=tool_name]")).getText()).toList();
    }

    /** Opens a page and waits until its stream has delivered the first snapshot. */
    private void openLive(String path) {
        browser.get("http://127.0.0.1:" + Fixture.PORT + path);
        within(STARTUP, () -> text("[data-field=connection]").equals("Live"));
    }

    private String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    private static void within(Duration timeout, BooleanSupplier condition) {
        new WebDriverWait(browser, timeout, Duration.ofMillis(50)).until(d -> condition.getAsBoolean());
    }
}
