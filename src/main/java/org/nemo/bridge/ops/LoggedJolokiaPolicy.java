package org.nemo.bridge.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

import javax.management.ObjectName;

import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.Configuration;
import org.jolokia.server.core.restrictor.RestrictorFactory;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jolokia's policy file ({@code bridge.admin.jolokia-policy}), as Jolokia itself reads it, with
 * one log line for each request it refuses. Jolokia answers a refusal as JSON with status 403 and
 * logs nothing; ops should see that someone with the admin login tried to stop a route or
 * write a setting. Jolokia creates this class itself ({@code restrictorClass} in application.yaml).
 */
public class LoggedJolokiaPolicy implements Restrictor {

    private static final Logger LOG = LoggerFactory.getLogger(LoggedJolokiaPolicy.class);
    // these are decided per MBean (operation, attribute), below: a type alone refuses nothing
    private static final Set<RequestType> DECIDED_PER_MBEAN = Set.of(RequestType.READ, RequestType.WRITE, RequestType.EXEC);

    private final String location;
    private final Restrictor policy;

    public LoggedJolokiaPolicy(Configuration configuration) {
        location = configuration.getConfig(ConfigKey.POLICY_LOCATION);
        try {
            policy = RestrictorFactory.lookupPolicyRestrictor(location);
        } catch (IOException e) {
            throw new UncheckedIOException("Jolokia policy " + location + " cannot be read", e);
        }
        if (policy == null) {
            throw new IllegalStateException("Jolokia policy " + location + " not found (bridge.admin.jolokia-policy)");
        }
    }

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return logged(policy.isHttpMethodAllowed(method), "HTTP method " + method.getMethod());
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        boolean allowed = policy.isTypeAllowed(type);
        return DECIDED_PER_MBEAN.contains(type) ? allowed : logged(allowed, "the " + type.getName() + " command");
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return policy.isAttributeReadAllowed(name, attribute);
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return logged(policy.isAttributeWriteAllowed(name, attribute), "writing " + attribute + " of " + name);
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        boolean allowed = policy.isOperationAllowed(name, operation);
        // Hawtio asks canInvoke for every MBean it shows, to grey out what it may not do: a question, not an attempt
        boolean hawtioAsks = "hawtio".equals(name.getDomain()) && operation.startsWith("canInvoke");
        return hawtioAsks ? allowed : logged(allowed, "operation " + operation + " of " + name);
    }

    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return policy.isRemoteAccessAllowed(hostOrAddress);
    }

    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        return policy.isOriginAllowed(origin, onlyWhenStrictCheckingIsEnabled);
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return policy.isObjectNameHidden(name);
    }

    @Override
    public boolean ignoreScheme() {
        return policy.ignoreScheme();
    }

    private boolean logged(boolean allowed, String what) {
        if (!allowed) {
            // names and operations come from the request's URL: no control character reaches the log
            LOG.warn("Jolokia refused {} with 403: not allowed by its policy {} (bridge.admin.jolokia-policy)",
                    what.replaceAll("\\p{Cntrl}", "?"), location);
        }
        return allowed;
    }
}
