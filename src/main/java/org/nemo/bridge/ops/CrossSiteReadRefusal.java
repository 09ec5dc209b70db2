package org.nemo.bridge.ops;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A browser sends the admin's cached Basic login with every request to the bridge, whichever
 * site's page makes it; CORS keeps the answers of fetches from other origins unreadable, but
 * not a {@code <script src>}. So JSONP (a {@code callback} parameter, which Jolokia answers as a
 * script calling that function) is refused on every path, and a request the browser marks as
 * coming from another site ({@code Sec-Fetch-Site: cross-site}) is refused on every endpoint
 * behind the login, whatever its method. Health, the status page and the displays stay open to
 * other sites.
 */
final class CrossSiteReadRefusal extends OncePerRequestFilter {

    /** Jolokia's JSONP parameter. */
    static final String CALLBACK = "callback";

    private final RequestMatcher openToAll;
    private final AccessDeniedHandler refusal;

    CrossSiteReadRefusal(RequestMatcher openToAll, AccessDeniedHandler refusal) {
        this.openToAll = openToAll;
        this.refusal = refusal;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getParameter(CALLBACK) != null) {
            refusal.handle(request, response, new AccessDeniedException("JSONP (a '" + CALLBACK + "' parameter) is not served"));
        } else if ("cross-site".equals(request.getHeader("Sec-Fetch-Site")) && !openToAll.matches(request)) {
            refusal.handle(request, response, new AccessDeniedException("a cross-site request to an endpoint behind the login"));
        } else {
            chain.doFilter(request, response);
        }
    }
}
