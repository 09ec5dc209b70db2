package org.nemo.bridge.ops;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.AccessDeniedHandlerImpl;

/**
 * Every request Spring Security refuses (a missing CSRF proof, a cross-site read, JSONP) is a
 * plain 403 and one log line with the method, path, client address and reason; never the
 * query, which may hold a display token.
 */
final class LoggedRefusal implements AccessDeniedHandler {

    private static final Logger LOG = LoggerFactory.getLogger(LoggedRefusal.class);

    private final AccessDeniedHandler forbidden = new AccessDeniedHandlerImpl();

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException refused)
            throws IOException, ServletException {
        LOG.warn("Refused {} {} from {} with 403: {}", request.getMethod(), request.getRequestURI(), request.getRemoteAddr(),
                refused.getMessage());
        forbidden.handle(request, response, refused);
    }
}
