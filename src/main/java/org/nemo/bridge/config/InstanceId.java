package org.nemo.bridge.config;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.UUID;

import org.springframework.stereotype.Component;

/** Who this running instance is: host and process, for status rows, client ids and leadership. */
@Component
public class InstanceId {

    private final String id;
    private final String shortId = UUID.randomUUID().toString().substring(0, 8);

    public InstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        this.id = host + ":" + ManagementFactory.getRuntimeMXBean().getPid() + ":" + shortId;
    }

    public String id() {
        return id;
    }

    public String shortId() {
        return shortId;
    }

    @Override
    public String toString() {
        return id;
    }
}
