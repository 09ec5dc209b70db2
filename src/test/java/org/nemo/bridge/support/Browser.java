package org.nemo.bridge.support;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.Map;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's headless chromium, driven by its own chromedriver: nothing is downloaded, so the
 * tests run offline. Where chromium is not installed the browser tests are skipped.
 */
public final class Browser {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Where the screenshots the README and docs show are saved. */
    static final Path SCREENSHOTS = Path.of("docs", "screenshots");

    private Browser() {
    }

    /** A browser window of this size; the calling test (or class, from a @BeforeAll) is skipped where there is none. */
    public static ChromeDriver start(int width, int height) {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromedriver are not installed in /usr/bin: browser test skipped");
        // Selenium Manager would otherwise look for (and download) a browser and a driver
        System.setProperty("SE_OFFLINE", "true");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /** The admin's Basic login on every request of the tab from now on, as a browser sends a cached login. */
    public static void asAdmin(ChromeDriver browser) {
        String login = Base64.getEncoder().encodeToString("admin:test-admin".getBytes(StandardCharsets.UTF_8));
        browser.executeCdpCommand("Network.enable", Map.of());
        browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", "Basic " + login)));
    }

    /** Saves what the window shows as docs/screenshots/{@code name}. */
    public static void screenshot(TakesScreenshot browser, String name) throws IOException {
        save(browser, SCREENSHOTS.resolve(name));
    }

    public static void save(TakesScreenshot browser, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
    }
}
