package org.nemo.bridge.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.nemo.bridge.config.BridgeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.autoconfigure.security.servlet.EndpointRequest;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.cors.CorsConfiguration;

/**
 * One admin login (bridge.admin.*) for everything operational — Prometheus, Hawtio,
 * Jolokia, the status and admin APIs. Open without it: health (without details), the
 * status page and its board feed, and the tool displays.
 *
 * <p>Browsers cache a Basic login, so a page on another site could otherwise act as the
 * admin. Every request that changes something therefore proves it is not cross-site: either
 * it carries the {@value #SCRIPT_HEADER} header (which a browser sends cross-site only after a
 * CORS preflight, and every cross-origin request is refused here), or the CSRF token that
 * Hawtio reads from the {@code XSRF-TOKEN} cookie and sends back as {@code X-XSRF-TOKEN}. Nor
 * may another site read an answer: no JSONP anywhere, and no request the browser marks as
 * cross-site reaches an endpoint behind the login ({@link CrossSiteReadRefusal}). Every refusal is
 * a 403 and one log line ({@link LoggedRefusal}); failed logins are throttled per client address
 * ({@link LoginThrottle}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
public class SecurityConfiguration {

    /** What scripts send with a state-changing request (any value), e.g. {@code X-Requested-By: cli}. */
    public static final String SCRIPT_HEADER = "X-Requested-By";

    private static final Logger LOG = LoggerFactory.getLogger(SecurityConfiguration.class);
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "TRACE", "OPTIONS");

    @Bean
    public SecurityFilterChain securityFilterChain(HttpSecurity http, LoginThrottle loginThrottle) throws Exception {
        // the token is loaded on every request, so that Hawtio finds its cookie before its first POST
        CsrfTokenRequestAttributeHandler plainToken = new CsrfTokenRequestAttributeHandler();
        plainToken.setCsrfRequestAttributeName(null);
        RequestMatcher openToAll = openToAll();
        AccessDeniedHandler refusal = new LoggedRefusal();
        http.authorizeHttpRequests(requests -> requests
                        .requestMatchers(openToAll).permitAll()
                        .anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                .addFilterBefore(new CrossSiteReadRefusal(openToAll, refusal), BasicAuthenticationFilter.class)
                .addFilterBefore(loginThrottle.filter(), BasicAuthenticationFilter.class)
                .exceptionHandling(exceptions -> exceptions.accessDeniedHandler(refusal))
                .csrf(csrf -> csrf
                        .csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                        .csrfTokenRequestHandler(plainToken)
                        .requireCsrfProtectionMatcher(SecurityConfiguration::needsCsrfToken))
                // no origin is allowed: a cross-origin request, preflight or not, is refused with 403
                .cors(cors -> cors.configurationSource(request -> new CorsConfiguration()))
                // display URLs carry ?token=, which must not leak to the logo's host or a followed link
                .headers(headers -> headers.referrerPolicy(referrer -> referrer.policy(ReferrerPolicy.NO_REFERRER)));
        return http.build();
    }

    /** Health, the status page and its board, and the displays (which have their own token): no login. */
    static RequestMatcher openToAll() {
        PathPatternRequestMatcher.Builder paths = PathPatternRequestMatcher.withDefaults();
        return new OrRequestMatcher(EndpointRequest.to(HealthEndpoint.class),
                paths.matcher("/"), paths.matcher("/index.html"), paths.matcher("/status/**"), paths.matcher("/api/board"),
                paths.matcher("/display/**"), paths.matcher("/api/display/**"), paths.matcher("/favicon.ico"), paths.matcher("/error"));
    }

    @Bean
    public LoginThrottle loginThrottle(BridgeProperties properties, MeterRegistry registry) {
        return new LoginThrottle(properties.admin().loginThrottle(), registry);
    }

    /**
     * A state-changing request needs the CSRF token unless it carries the script header and the
     * browser (if any) did not mark it as coming from another site.
     */
    static boolean needsCsrfToken(HttpServletRequest request) {
        if (SAFE_METHODS.contains(request.getMethod())) {
            return false;
        }
        String site = request.getHeader("Sec-Fetch-Site");
        boolean fromAnotherSite = "cross-site".equals(site) || "same-site".equals(site);
        return request.getHeader(SCRIPT_HEADER) == null || fromAnotherSite;
    }

    @Bean
    public PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    /**
     * The password may be given plain or already encoded ({bcrypt}…). There is no default:
     * without one, a random password is generated and written to a file only its owner can
     * read; the log names the file, never the password.
     */
    @Bean
    public UserDetailsService adminUser(BridgeProperties properties, PasswordEncoder encoder) {
        BridgeProperties.Admin admin = properties.admin();
        String password = admin.password();
        if (password == null || password.isBlank()) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Path file = Path.of(admin.generatedPasswordFile());
            try {
                writeOwnerOnly(file, password);
                LOG.warn("No bridge.admin.password set: generated one for user '{}' for this run, in {} (readable by its owner only)",
                        admin.username(), file.toAbsolutePath());
            } catch (IOException | UnsupportedOperationException e) {
                LOG.warn("No bridge.admin.password set and the generated one cannot be written to {} ({}): "
                        + "set bridge.admin.password to log in", file.toAbsolutePath(), e.getMessage());
            }
        }
        String given = password;
        // a plain password is hashed at the first login, not during the start (BCrypt: ~70 ms of it)
        AtomicReference<String> encoded = new AtomicReference<>();
        return username -> {
            if (!admin.username().equalsIgnoreCase(username)) {
                throw new UsernameNotFoundException(username);
            }
            String hash = encoded.updateAndGet(known -> known != null ? known : given.startsWith("{") ? given : encoder.encode(given));
            return User.withUsername(admin.username()).password(hash).roles("ADMIN").build();
        };
    }

    /** Created with mode 0600 before the password is written, so that it is never readable by others. */
    private static void writeOwnerOnly(Path file, String secret) throws IOException {
        Files.deleteIfExists(file);
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, secret + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
