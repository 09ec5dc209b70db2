package org.nemo.bridge.ops;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.nemo.bridge.config.BridgeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Failed admin logins, counted per client address: after
 * {@code bridge.admin.login-throttle.max-failures} within its window, every further login from
 * that address is answered 429 with {@code Retry-After} until the window ends, without its
 * password being checked. Other addresses are not slowed. The address is the TCP peer's
 * (a proxy's {@code X-Forwarded-For} counts only when {@code server.forward-headers-strategy}
 * trusts it). The table of addresses is a bounded cache, so that a client spraying addresses
 * cannot grow it.
 */
public class LoginThrottle {

    private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);

    /** When an address's first failure in the window came (System.nanoTime), and how many followed. */
    private record Failures(long since, AtomicInteger count) {
    }

    private final int maxFailures;
    private final Duration window;
    // written once per address and window, so that the entry expires when the window ends
    private final Cache<String, Failures> failures;
    private final Counter throttled;

    public LoginThrottle(BridgeProperties.Admin.LoginThrottle settings, MeterRegistry registry) {
        this.maxFailures = settings.maxFailures();
        this.window = settings.window();
        this.failures = Caffeine.newBuilder().maximumSize(settings.maxAddresses()).expireAfterWrite(window).build();
        this.throttled = Counter.builder("nemo.http.login.throttled")
                .description("Client addresses whose admin logins were throttled (429) after too many failed ones")
                .register(registry);
    }

    /** Spring Security publishes a failed Basic login with the client's address in its details. */
    @EventListener
    public void loginFailed(AuthenticationFailureBadCredentialsEvent event) {
        if (event.getAuthentication().getDetails() instanceof WebAuthenticationDetails details && details.getRemoteAddress() != null) {
            loginFailed(details.getRemoteAddress());
        }
    }

    void loginFailed(String address) {
        Failures failed = failures.get(address, a -> new Failures(System.nanoTime(), new AtomicInteger()));
        if (failed.count().incrementAndGet() == maxFailures) {
            throttled.increment();
            LOG.warn("Admin logins from {} throttled: {} failed within {} s; its logins get 429 for the next {} s",
                    address, maxFailures, window.toSeconds(), secondsLeft(failed));
        }
    }

    /** Seconds until the address may log in again; 0 when it may now. */
    long retryAfterSeconds(String address) {
        Failures failed = failures.getIfPresent(address);
        return failed == null || failed.count().get() < maxFailures ? 0 : secondsLeft(failed);
    }

    /** How many addresses the table holds now (at most bridge.admin.login-throttle.max-addresses, once it has been tidied). */
    long addressesRemembered() {
        failures.cleanUp();
        return failures.estimatedSize();
    }

    private long secondsLeft(Failures failed) {
        long left = failed.since() + window.toNanos() - System.nanoTime();
        return left <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(left + TimeUnit.SECONDS.toNanos(1) - 1);
    }

    /** Placed before the Basic login is checked: a throttled address's credentials are not even looked at. */
    OncePerRequestFilter filter() {
        return new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                long retryAfter = request.getHeader(HttpHeaders.AUTHORIZATION) == null ? 0 : retryAfterSeconds(request.getRemoteAddr());
                if (retryAfter > 0) {
                    response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
                    response.sendError(HttpStatus.TOO_MANY_REQUESTS.value(), "too many failed logins from this address");
                } else {
                    chain.doFilter(request, response);
                }
            }
        };
    }
}
