package org.nemo.bridge.display;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.nemo.bridge.config.ClasspathText;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.util.HtmlUtils;

/**
 * The display pages: {@code /display/{toolId}} for a tablet on a tool, {@code /display} for a
 * wall board, both fed by {@code /api/display/feed}. The pages are plain HTML with the lab's
 * settings filled in; they never touch the database, so they load even while it is away.
 */
@RestController
public class DisplayController {

    private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

    private final DisplayProperties properties;
    private final ToolBoard board;
    private final DisplayFeed feed;
    private final String toolPage = template("display/tool.html");
    private final String boardPage = template("display/board.html");

    public DisplayController(DisplayProperties properties, ToolBoard board, DisplayFeed feed) {
        this.properties = properties;
        this.board = board;
        this.feed = feed;
    }

    @GetMapping(path = "/display", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> board(@RequestParam(required = false) String theme) {
        return page(boardPage, theme, "");
    }

    @GetMapping(path = "/display/{toolId:\\d+}", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> tool(@PathVariable int toolId, @RequestParam(required = false) String theme) {
        return page(toolPage, theme, Integer.toString(toolId));
    }

    /**
     * Server-Sent Events: {@code snapshot} on connect, {@code tool} on change, {@code heartbeat} while idle.
     * Over the caps, a plain-text 429 or 503 (null tells Spring MVC that the response is written).
     */
    @GetMapping(path = "/api/display/feed", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter feed(@RequestParam(required = false) Integer tool, HttpServletRequest request,
                           HttpServletResponse response) throws IOException {
        DisplayFeed.Subscriber subscriber;
        try {
            subscriber = feed.open(tool, request.getRemoteAddr());
        } catch (DisplayFeed.Refused refused) {
            response.setStatus(refused.status().value());
            response.setContentType("text/plain;charset=UTF-8");
            response.getWriter().write(refused.getMessage());
            return null;
        }
        board.connect(subscriber);
        return subscriber.emitter();
    }

    /** The board as JSON, for scripts and for checking what the pages are given. */
    @GetMapping("/api/display/tools")
    public List<ObjectNode> tools() {
        return board.tools();
    }

    private ResponseEntity<String> page(String template, String theme, String toolId) {
        Map<String, String> values = Map.of(
                "labName", properties.labName(),
                "logoUrl", properties.logoUrl() == null ? "" : properties.logoUrl().trim(),
                "theme", properties.themeOr(theme),
                "toolId", toolId,
                "heartbeatMs", Long.toString(properties.heartbeatInterval().toMillis()),
                "staleAfterMs", Long.toString(properties.staleAfter().toMillis()),
                "reconnectMs", Long.toString(properties.reconnectDelay().toMillis()));
        String html = template;
        for (Map.Entry<String, String> value : values.entrySet()) {
            html = html.replace("{{" + value.getKey() + "}}", HtmlUtils.htmlEscape(value.getValue(), "UTF-8"));
        }
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).contentType(HTML).body(html);
    }

    private static String template(String path) {
        return ClasspathText.read(path);
    }
}
