package org.nemo.bridge.display;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Kiosks cannot log in, so the display pages are open by default; with
 * {@code bridge.display.token} set, everything that names users — the display pages, their
 * feed, and the status page's board ({@code /api/board}) — needs {@code ?token=} in the URL or
 * the admin login (403 without). The stylesheet and script hold no lab data and stay open.
 */
@Configuration(proxyBeanMethods = false)
public class DisplayTokenFilter {

    @Bean
    FilterRegistrationBean<OncePerRequestFilter> displayToken(DisplayProperties properties) {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(new TokenCheck(properties));
        registration.addUrlPatterns("/display", "/display/*", "/api/display/*", "/api/board");
        registration.setName("displayToken");
        return registration;
    }

    static final class TokenCheck extends OncePerRequestFilter {

        private final DisplayProperties properties;

        TokenCheck(DisplayProperties properties) {
            this.properties = properties;
        }

        @Override
        protected boolean shouldNotFilter(HttpServletRequest request) {
            return !properties.tokenRequired() || request.getRequestURI().startsWith(request.getContextPath() + "/display/assets/");
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String given = request.getParameter("token");
            if (given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                    properties.token().getBytes(StandardCharsets.UTF_8)) || isAdmin()) {
                chain.doFilter(request, response);
            } else {
                response.sendError(HttpServletResponse.SC_FORBIDDEN, "this display needs ?token= (bridge.display.token)");
            }
        }

        /** Spring Security has run by now (its filter comes first) and checked any Basic login. */
        private static boolean isAdmin() {
            Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
            return authentication != null && authentication.isAuthenticated()
                    && !(authentication instanceof AnonymousAuthenticationToken);
        }
    }
}
