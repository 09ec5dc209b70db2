package org.nemo.bridge.ops;

import java.security.SecureRandom;
import java.util.Base64;

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
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * One admin login (bridge.admin.*) for everything operational — Prometheus, Hawtio,
 * Jolokia, the status and admin APIs. Open without it: health (without details), the
 * status page and its board feed, and the tool displays.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
public class SecurityConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SecurityConfiguration.class);

    @Bean
    public SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> requests
                        .requestMatchers(EndpointRequest.to(HealthEndpoint.class)).permitAll()
                        .requestMatchers("/", "/index.html", "/status/**", "/api/board", "/display/**", "/api/display/**",
                                "/favicon.ico", "/error").permitAll()
                        .anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                // the APIs are called by scripts with Basic auth, not by browser forms
                .csrf(csrf -> csrf.ignoringRequestMatchers("/api/**", "/actuator/**"));
        return http.build();
    }

    @Bean
    public PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    /**
     * The password may be given plain or already encoded ({bcrypt}…). There is no default:
     * without one, a random password is generated and printed once at start.
     */
    @Bean
    public UserDetailsService adminUser(BridgeProperties properties, PasswordEncoder encoder) {
        BridgeProperties.Admin admin = properties.admin();
        String password = admin.password();
        if (password == null || password.isBlank()) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            LOG.warn("No bridge.admin.password set: generated one for user '{}' for this run: {}", admin.username(), password);
        }
        String encoded = password.startsWith("{") ? password : encoder.encode(password);
        return new InMemoryUserDetailsManager(User.withUsername(admin.username()).password(encoded).roles("ADMIN").build());
    }
}
