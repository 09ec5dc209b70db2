package org.nemo.bridge.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the openssl command: a CA, a broker certificate for
 * localhost/127.0.0.1, a client certificate, and an unrelated CA to be refused with.
 */
public final class TestCertificates {

    public final Path dir;
    public final Path ca;
    public final Path caKey;
    public final Path otherCa;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;

    public static boolean available() {
        return new File("/usr/bin/openssl").canExecute();
    }

    public TestCertificates() {
        try {
            dir = Files.createTempDirectory("test-pki");
            ca = dir.resolve("ca.pem");
            caKey = dir.resolve("ca.key");
            otherCa = dir.resolve("other-ca.pem");
            serverCert = dir.resolve("server.pem");
            serverKey = dir.resolve("server.key");
            clientCert = dir.resolve("client.pem");
            clientKey = dir.resolve("client.key");
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test Lab CA",
                    "-keyout", caKey.toString(), "-out", ca.toString());
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Someone Else CA",
                    "-keyout", dir.resolve("other-ca.key").toString(), "-out", otherCa.toString());
            Path ext = dir.resolve("server.ext");
            Files.writeString(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            signed("server", "/CN=localhost", serverKey, serverCert, ext);
            Path clientExt = dir.resolve("client.ext");
            Files.writeString(clientExt, "extendedKeyUsage=clientAuth\n");
            signed("client", "/CN=nemo-mqtt-bridge", clientKey, clientCert, clientExt);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void signed(String name, String subject, Path key, Path cert, Path ext) {
        Path csr = dir.resolve(name + ".csr");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", key.toString(), "-out", csr.toString());
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(), "-CAcreateserial",
                "-days", "2", "-extfile", ext.toString(), "-out", cert.toString());
    }

    private static void openssl(String... args) {
        try {
            List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/openssl"));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
