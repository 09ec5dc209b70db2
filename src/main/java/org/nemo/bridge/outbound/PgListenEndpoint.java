package org.nemo.bridge.outbound;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/** A LISTEN channel; consume only (to send, use mqtt_bridge.enqueue or pg_notify). */
public class PgListenEndpoint extends DefaultEndpoint {

    private final String channel;

    PgListenEndpoint(String uri, PgListenComponent component, String channel) {
        super(uri, component);
        this.channel = channel;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("pg-listen is a consumer only; NOTIFY with mqtt_bridge.enqueue()");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        PgListenConsumer consumer = new PgListenConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public PgListenComponent getComponent() {
        return (PgListenComponent) super.getComponent();
    }

    String channel() {
        return channel;
    }
}
