package org.nemo.bridge.outbound;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nemo.bridge.config.BridgeProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import org.nemo.bridge.mqtt.BrokerSettings;

/** The broker TLS settings as Spring Boot binds them at start. */
class BrokerTlsSettingsTest {

    private static BridgeProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("bridge", BridgeProperties.class);
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
