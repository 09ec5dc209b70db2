package org.nemo.bridge.ops;

import org.jolokia.server.core.request.JolokiaRequest;
import org.jolokia.server.core.service.request.AbstractRequestHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jolokia's JSR-160 proxy would open JMX (RMI, LDAP) connections to any URL a caller puts in
 * {@code target}. The bridge needs no proxy, so its handler is disabled (application.yaml) and
 * this one, placed first, answers every request with a {@code target} by a 403 of Jolokia's
 * own, and one log line; without it such a request would silently be read from the bridge's own
 * JVM instead.
 */
public class JolokiaProxyRefusal extends AbstractRequestHandler {

    private static final Logger LOG = LoggerFactory.getLogger(JolokiaProxyRefusal.class);

    public JolokiaProxyRefusal(int order) {
        super("proxy", order);
    }

    @Override
    public boolean canHandle(JolokiaRequest request) {
        return request.getOption("target") != null;
    }

    @Override
    public <R extends JolokiaRequest> Object handleRequest(R request, Object previous) {
        LOG.warn("Jolokia refused a {} request with a target (proxy mode) with 403: the bridge has no JMX proxy",
                request.getType().getName());
        throw new SecurityException("Jolokia's proxy mode is off in the bridge: no request may name a target");
    }
}
