package org.nemo.bridge.outbound;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nemo.bridge.config.BridgeProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import org.nemo.bridge.mqtt.BrokerSettings;

/** The broker TLS settings as Spring Boot binds them at start. */
class BrokerTlsSettingsTest {

    /** The settings over the jar's application.yaml, the one home of the defaults. */
    private static BridgeProperties bind(Map<String, String> settings) {
        try {
            List<ConfigurationPropertySource> sources = new ArrayList<>();
            sources.add(new MapConfigurationPropertySource(settings));
            new YamlPropertySourceLoader().load("application.yaml", new ClassPathResource("application.yaml"))
                    .forEach(yaml -> sources.add(ConfigurationPropertySource.from(yaml)));
            return new Binder(sources).bindOrCreate("bridge", BridgeProperties.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void turningHostnameVerificationOffWithoutTheLabsCaStopsTheStartWithTheReason() {
        assertThatThrownBy(() -> bind(Map.of("bridge.mqtt.tls.verify-hostname", "false")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("bridge.mqtt.tls.verify-hostname=false needs bridge.mqtt.tls.ca");
    }

    @Test
    void turningHostnameVerificationOffWithTheLabsCaIsAccepted() {
        BridgeProperties p = bind(Map.of("bridge.mqtt.tls.verify-hostname", "false", "bridge.mqtt.tls.ca", "/etc/lab/ca.pem"));
        assertThat(p.mqtt().tls().verifyHostname()).isFalse();
    }

    @Test
    void aTopicPrefixWithAWildcardOrAControlCharacterStopsTheStartWithTheReason() {
        assertThatThrownBy(() -> bind(Map.of("bridge.mqtt.topic-prefix", "lab/+")))
                .isInstanceOf(BindException.class).rootCause().hasMessageContaining("bridge.mqtt.topic-prefix").hasMessageContaining("wildcard");
        assertThatThrownBy(() -> bind(Map.of("bridge.mqtt.topic-prefix", "lab\u0001")))
                .isInstanceOf(BindException.class).rootCause().hasMessageContaining("control character");
        assertThatThrownBy(() -> bind(Map.of("bridge.mqtt.topic-prefix", "nemo/")))
                .isInstanceOf(BindException.class).rootCause().hasMessageContaining("may not start or end with '/'");
        assertThat(bind(Map.of("bridge.mqtt.topic-prefix", "lab/nemo")).mqtt().topicPrefix()).isEqualTo("lab/nemo");
    }

    @Test
    void aBrokerFromThePluginsTableUsesTlsOnAnyPortWhenTlsIsOn() {
        BridgeProperties on = bind(Map.of("bridge.mqtt.tls.enabled", "true"));
        assertThat(BrokerSettings.scheme(on.mqtt(), 8884)).isEqualTo("ssl://");
        assertThat(BrokerSettings.scheme(on.mqtt(), 1883)).isEqualTo("ssl://");
    }

    @Test
    void aBrokerFromThePluginsTableStaysPlainOn8883WhenTlsIsOff() {
        BridgeProperties off = bind(Map.of("bridge.mqtt.tls.enabled", "false"));
        assertThat(BrokerSettings.scheme(off.mqtt(), 8883)).isEqualTo("tcp://");
    }

    @Test
    void withoutTheSettingTlsFollowsTheTlsFilesOrThePort() {
        assertThat(BrokerSettings.scheme(bind(Map.of()).mqtt(), 8883)).isEqualTo("ssl://");
        assertThat(BrokerSettings.scheme(bind(Map.of()).mqtt(), 1883)).isEqualTo("tcp://");
        assertThat(BrokerSettings.scheme(bind(Map.of("bridge.mqtt.tls.ca", "/etc/lab/ca.pem")).mqtt(), 1883)).isEqualTo("ssl://");
    }
}
