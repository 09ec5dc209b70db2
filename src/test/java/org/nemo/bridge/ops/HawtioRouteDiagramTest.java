package org.nemo.bridge.ops;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nemo.bridge.support.Browser;
import org.nemo.bridge.support.DefaultBridgeTest;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
/**
 * Hawtio's diagram of the outbound route routes/outbox.yaml, in a real headless browser, as
 * ops see it behind the admin login with the default read-only Jolokia: each stage of
 * outbox-publish is a box. Saves the screenshot that the README and docs/architecture.md show.
 * And while Hawtio works, a page of another site, in the same browser with the same cached
 * login, reads nothing behind it.
 */
@ExtendWith(OutputCaptureExtension.class)
class HawtioRouteDiagramTest extends DefaultBridgeTest {

    @LocalServerPort
    int port;

    @Test
    void hawtioDrawsTheStagesOfTheOutboundRoute() throws Exception {
        ChromeDriver browser = Browser.start(1200, 1900);
        try {
            // the admin's Basic login on every request of the tab, Hawtio's Jolokia calls included
            Browser.asAdmin(browser);

            browser.get("http://127.0.0.1:" + port + "/actuator/hawtio/camel/routeDiagram");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(200));
            By route = By.xpath("//button[contains(@class,'tree-view__node-text') and normalize-space()='outbox-publish']");
            wait.until(d -> !d.findElements(route).isEmpty());
            browser.findElement(route).click();
            try {
                // Hawtio opens on the diagram of all routes; then the selected route's alone
                wait.until(d -> {
                    List<String> drawn = labels(d);
                    return !d.findElements(By.xpath("//*[text()='org.apache.camel:context=nemo-mqtt-bridge,type=routes,name=\"outbox-publish\"']")).isEmpty()
                            && !drawn.isEmpty() && drawn.get(0).startsWith("From direct:outbo")
                            && !d.findElements(By.cssSelector(".react-flow__edge")).isEmpty();
                });
            } catch (RuntimeException e) {
                Browser.save(browser, Path.of("target", "hawtio-diagram-failed.png"));
                throw e;
            }

            // the boxes are drawn again as their counts come in: read them once they hold still
            List<List<String>> reads = new ArrayList<>();
            new WebDriverWait(browser, Duration.ofSeconds(15), Duration.ofMillis(500)).until(d -> {
                reads.add(labels(d));
                int n = reads.size();
                return n >= 3 && !reads.get(n - 1).isEmpty() && reads.get(n - 1).equals(reads.get(n - 2))
                        && reads.get(n - 2).equals(reads.get(n - 3));
            });
            List<String> labels = reads.get(reads.size() - 1);
            assertThat(browser.findElements(By.xpath("//*[normalize-space()='Error Occurred']"))).isEmpty();
            // the route's stages, from its direct: endpoint to the batch publisher, in the order
            // routes/outbox.yaml has them; Hawtio cuts a label at 17 characters, and its Camel
            // model (5.2) has no marshal, so that step gets no box of its own
            assertThat(labels.get(0)).startsWith("From direct:outbo");
            assertThat(labels).anyMatch(l -> l.startsWith("To sql:classpath"));
            assertThat(labels).anyMatch(l -> l.startsWith("Split") && l.contains("toolMe"));
            assertThat(labels).anyMatch(l -> l.startsWith("Filter: ${header."));
            assertThat(labels.get(labels.size() - 1)).startsWith("To mqtt-batch:out");
            // each box named by its step's id in routes/outbox.yaml: the stages a reader recognises
            String page = browser.findElement(By.tagName("body")).getText();
            for (String id : List.of("fetch", "messages-of-rows", "publishable", "publish")) {
                assertThat(page).as("the box of step " + id).contains("(ID: " + id + ")");
            }
            // drawn as a graph: an arrow into every box but the first
            assertThat(browser.findElements(By.cssSelector(".react-flow__edge"))).hasSize(labels.size() - 1);

            // the view settles (fit to the page) and Hawtio's notifications are closed before the picture
            Thread.sleep(1500);
            wait.until(d -> {
                for (WebElement close : d.findElements(By.cssSelector(".pf-v6-c-alert-group .pf-v6-c-alert__action button"))) {
                    try {
                        close.click();
                    } catch (WebDriverException goneMeanwhile) {
                        // a toast that closed by itself
                    }
                }
                return d.findElements(By.cssSelector(".pf-v6-c-alert-group .pf-v6-c-alert")).isEmpty();
            });
            Thread.sleep(500);
            Browser.screenshot(browser, "hawtio-outbox-to-mqtt.png");
        } finally {
            browser.quit();
        }
    }

    @Test
    void anotherSitesPageReadsNothingWithTheCachedLoginWhileHawtioWorks(CapturedOutput output) throws Exception {
        ChromeDriver browser = Browser.start(1200, 900);
        // the other site: to a browser, localhost is another site than 127.0.0.1
        HttpServer otherSite = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        otherSite.createContext("/", exchange -> {
            byte[] page = "<!doctype html><title>another site</title><p>nothing to see".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        otherSite.start();
        try {
            // the admin's login, as the browser has it cached, goes with every request of the tab
            Browser.asAdmin(browser);

            // Hawtio on its own origin: its requests are same-origin, and it finds the routes through Jolokia
            browser.get("http://127.0.0.1:" + port + "/actuator/hawtio/camel/routes");
            new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(200)).until(d -> !d.findElements(
                    By.xpath("//button[contains(@class,'tree-view__node-text') and normalize-space()='outbox-publish']")).isEmpty());

            // Hawtio asks Jolokia about every MBean it shows; a question the policy refuses is not logged as an attempt
            assertThat(output.getAll()).doesNotContain("Jolokia refused").doesNotContain("Refused ");

            browser.get("http://localhost:" + otherSite.getAddress().getPort() + "/");
            @SuppressWarnings("unchecked")
            Map<String, Object> seen = (Map<String, Object>) browser.executeAsyncScript("""
                    const done = arguments[arguments.length - 1], bridge = arguments[0];
                    window.stolen = [];
                    window.steal = answer => window.stolen.push(answer);
                    const load = (tag, attribute, path, extra) => new Promise(resolve => {
                        const element = document.createElement(tag);
                        Object.assign(element, extra || {});
                        element.onload = () => resolve('loaded');
                        element.onerror = () => resolve('refused');
                        element[attribute] = bridge + path;
                        document.head.appendChild(element);
                    });
                    Promise.all([
                        load('script', 'src', '/actuator/jolokia/read/java.lang:type=Runtime/SystemProperties?callback=steal'),
                        load('script', 'src', '/actuator/hawtio/jolokia/read/java.lang:type=Runtime/SystemProperties?callback=steal'),
                        load('img', 'src', '/actuator/hawtio/favicon.ico'),
                        load('link', 'href', '/status/status.css', {rel: 'stylesheet'})
                    ]).then(r => done({jolokia: r[0], hawtioJolokia: r[1], hawtioImage: r[2], statusStylesheet: r[3],
                                       stolen: window.stolen.length}));""", "http://127.0.0.1:" + port);
            // JSONP is refused (before: 200 text/javascript, and steal() got every system property)
            assertThat(seen).containsEntry("jolokia", "refused").containsEntry("hawtioJolokia", "refused").containsEntry("stolen", 0L);
            // anything behind the login is refused to another site, an image too; the open status page is not
            assertThat(seen).containsEntry("hawtioImage", "refused").containsEntry("statusStylesheet", "loaded");
            // each refusal is one log line
            assertThat(output.getAll().lines().filter(l -> l.contains("Refused GET"))).hasSize(3);
        } finally {
            browser.quit();
            otherSite.stop(0);
        }
    }

    /** The boxes' labels as the page shows them, top to bottom (read at once: the diagram re-renders as counts come in). */
    @SuppressWarnings("unchecked")
    private static List<String> labels(WebDriver browser) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript("""
                return Array.from(document.querySelectorAll('.react-flow__node'))
                    .map(n => [n.getBoundingClientRect().top, n.querySelector('.camel-node-label')])
                    .filter(([top, label]) => label)
                    .sort((a, b) => a[0] - b[0])
                    .map(([top, label]) => label.textContent.trim());""");
    }
}
