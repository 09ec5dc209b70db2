package org.nemo.bridge.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.nemo.bridge.config.BridgeProperties;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/**
 * TLS to the broker from PEM files as operators have them (a CA, and a client certificate
 * and key for mutual TLS), loaded with Spring Boot's PEM support; TLS 1.2 and 1.3 only.
 */
public final class BrokerTls {

    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private BrokerTls() {
    }

    /** The socket factory for ssl:// brokers, or null to use the JVM's default trust (a public CA). */
    public static SSLSocketFactory socketFactory(BridgeProperties.Mqtt.Tls tls) {
        if (isBlank(tls.ca()) && isBlank(tls.cert())) {
            return null;
        }
        if (isBlank(tls.cert()) != isBlank(tls.key())) {
            throw new IllegalStateException("bridge.mqtt.tls.cert and bridge.mqtt.tls.key go together (mutual TLS)");
        }
        PemSslStoreDetails trust = isBlank(tls.ca()) ? null : PemSslStoreDetails.forCertificate(location(tls.ca()));
        PemSslStoreDetails key = isBlank(tls.cert()) ? null
                : PemSslStoreDetails.forCertificate(location(tls.cert())).withPrivateKey(location(tls.key()));
        try {
            SslBundle bundle = SslBundle.of(new PemSslStoreBundle(key, trust), SslBundleKey.NONE, SslOptions.of(PROTOCOLS, null));
            return new ModernTlsOnly(bundle.createSslContext());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot load the broker TLS files (bridge.mqtt.tls.ca / cert / key): " + e.getMessage(), e);
        }
    }

    private static String location(String path) {
        return path.contains(":") || path.startsWith("-----BEGIN") ? path : "file:" + path;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /** Sockets that speak TLS 1.2 or 1.3 and nothing older. */
    private static final class ModernTlsOnly extends SSLSocketFactory {

        private final SSLSocketFactory delegate;

        ModernTlsOnly(SSLContext context) {
            this.delegate = context.getSocketFactory();
        }

        private Socket restrict(Socket socket) {
            if (socket instanceof SSLSocket ssl) {
                ssl.setEnabledProtocols(PROTOCOLS);
            }
            return socket;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return restrict(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return restrict(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return restrict(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return restrict(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return restrict(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return restrict(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
