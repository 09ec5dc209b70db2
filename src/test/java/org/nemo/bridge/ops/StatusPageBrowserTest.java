package org.nemo.bridge.ops;

import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.Browser;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
/**
 * The status page in a real headless browser, as a lab manager sees it: every tool in plain
 * words, a change showing up without a reload, and the bridge's health. Saves the
 * screenshot the README shows.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class StatusPageBrowserTest {

    private static final HiveMqBroker BROKER = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("status_page");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
    }

    @AfterAll
    static void stop() {
        BROKER.close();
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Test
    void aLabManagerSeesEveryToolAndTheBridgeInPlainWords() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        int aligner = lab.tool("Mask Aligner");
        int sem = lab.tool("SEM");
        int etcher = lab.tool("Plasma Etcher");
        int ada = lab.user("Ada", "Lovelace");
        lab.disable(lab.enable(sem, lab.user("Grace", "Hopper")));
        lab.enable(aligner, ada);
        lab.setOperational(etcher, false);

        ChromeDriver browser = Browser.start(1100, 700);
        try {
            browser.get("http://127.0.0.1:" + port + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15), Duration.ofMillis(100));
            // the page redraws a row when its tool changes: a row read during the redraw is read again
            wait.ignoring(StaleElementReferenceException.class);
            wait.until(d -> d.findElements(By.cssSelector("tr[data-tool-id='" + aligner + "'] .user")).stream()
                    .anyMatch(e -> e.getText().equals("Ada Lovelace")));
            assertThat(row(browser, aligner, ".now").getText()).isEqualTo("In use");
            assertThat(row(browser, sem, ".now").getText()).isEqualTo("Free");
            assertThat(row(browser, sem, ".previous").getText()).isEqualTo("Grace Hopper");
            assertThat(row(browser, etcher, ".condition").getText()).isEqualTo("Down");
            wait.until(d -> d.findElement(By.id("bridge")).getText().startsWith("Bridge running"));

            // a change shows up by itself, without a reload
            browser.executeScript("window.sameDocument = true");
            lab.enable(sem, ada);
            wait.until(d -> row(browser, sem, ".now").getText().equals("In use"));
            assertThat(browser.executeScript("return window.sameDocument")).isEqualTo(true);

            Browser.screenshot(browser, "status-page.png");
        } finally {
            browser.quit();
        }
    }

    private static org.openqa.selenium.WebElement row(ChromeDriver browser, int toolId, String cell) {
        return browser.findElement(By.cssSelector("tr[data-tool-id='" + toolId + "'] " + cell));
    }
}
