package org.nemo.bridge.inbound;

import java.util.Map;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5EndpointConfigurer;
import org.apache.camel.spi.PropertyConfigurer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.nemo.bridge.mqtt.BrokerProblems;
import org.nemo.bridge.wire.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Camel's paho-mqtt5 component, endpoint options and consumer (its manualAcksEnabled
 * acknowledgement on exchange completion included), with what Camel 4.17's consumer cannot
 * be told and a persistent inbound session needs:
 * <ul>
 * <li>Its consumer connects before it installs its callback: a resumed session delivers its
 * queued messages right after CONNACK, and Paho drops, unacknowledged, whatever arrives without
 * a callback (held by the broker until the next reconnect). Here the session connects on the
 * consumer's subscribe, after the callback is in place.</li>
 * <li>It subscribes with Retain Handling 0; a resumed session must not be handed the broker's
 * retained readings again (MQTT 5 Retain Handling 1), nor after each reconnect.</li>
 * <li>No Maximum Packet Size option: the broker must drop a message larger than the payload
 * limit rather than send it, so the receive window bounds memory in bytes.</li>
 * <li>It waits for the SUBACK of a resumed session, at the start and after an automatic
 * reconnect (then on Paho's callback thread): the broker delivers the session's queued messages
 * first, each through the route, so the wait lasts as long as the database takes to store them
 * (a deadlock on the callback thread; at the start, no "Started" meanwhile).</li>
 * <li>A stopped consumer forgets (or disconnects) its client, and the acknowledgements of the
 * batch the route still stores on stop go through that client: here the session outlives the
 * consumer (it belongs to the endpoint) until the route starts again or the bridge stops.</li>
 * <li>The {@code $share/<group>/} prefix of bridge.inbound.shared-group, which YAML cannot add
 * only when the group is set.</li>
 * </ul>
 * No retry here: a session that cannot connect fails its route's start, which the supervising
 * route controller retries with its back-off (camel.routecontroller.*); once connected, Paho's
 * automatic reconnect (the endpoint's automaticReconnect, maxReconnectDelay) takes over.
 */
public class InboundMqttComponent extends PahoMqtt5Component {

    private static final Logger LOG = LoggerFactory.getLogger(InboundMqttComponent.class);

    private final long maximumPacketSize;
    private final String sharedGroup;

    /**
     * @param maximumPacketSize the MQTT 5 Maximum Packet Size the sessions announce
     * @param sharedGroup       bridge.inbound.shared-group, or blank
     */
    public InboundMqttComponent(long maximumPacketSize, String sharedGroup) {
        this.maximumPacketSize = maximumPacketSize;
        this.sharedGroup = sharedGroup == null || sharedGroup.isBlank() ? null : sharedGroup.trim();
    }

    /** A broker problem in the words of the publishing connection's log lines. */
    static String problem(Throwable e) {
        String problem = BrokerProblems.explain(e);
        Throwable cause = e.getCause();
        return LogText.of(cause == null || cause.getMessage() == null || problem.contains(cause.getMessage()) ? problem
                : problem + " (" + cause.getMessage() + ")");
    }

    /** The options of a paho-mqtt5 endpoint, set as Camel sets them. */
    @Override
    public PropertyConfigurer getEndpointPropertyConfigurer() {
        return ENDPOINT_OPTIONS;
    }

    private static final PropertyConfigurer ENDPOINT_OPTIONS = new PahoMqtt5EndpointConfigurer();

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        Endpoint endpoint = new SessionEndpoint(uri, remaining, this, getConfiguration().copy());
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /**
     * One persistent session. The session belongs to the endpoint, not to the consumer: Camel
     * makes a new consumer on each start of the route, and the session a stopped route kept (for
     * the acknowledgements of the batch in hand) must be ended before a new one connects under
     * the same client id, or the two take the session from each other.
     */
    final class SessionEndpoint extends PahoMqtt5Endpoint {

        private volatile SessionClient session;
        private String lastProblem;

        SessionEndpoint(String uri, String topic, InboundMqttComponent component, PahoMqtt5Configuration configuration) {
            super(uri, topic, component, configuration);
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            Session consumer = new Session(this, processor);
            configureConsumer(consumer);
            return consumer;
        }

        @Override
        protected MqttConnectionOptions createMqttConnectionOptions() {
            MqttConnectionOptions options = super.createMqttConnectionOptions();
            options.setMaximumPacketSize(maximumPacketSize);
            return options;
        }

        String filter() {
            return sharedGroup == null ? getTopic() : "$share/" + sharedGroup + "/" + getTopic();
        }

        /** A new session client, after the previous one is ended. */
        SessionClient begin() throws MqttException {
            end();
            PahoMqtt5Configuration config = getConfiguration();
            SessionClient client = new SessionClient(config.getBrokerUrl(), config.getClientId(), createMqttConnectionOptions(), filter());
            client.setManualAcks(config.isManualAcksEnabled());
            session = client;
            return client;
        }

        /** Logs a failed start once per problem and ends the session client. */
        void failed(Exception e) {
            String problem = e instanceof SubscriptionRefused ? e.getMessage() : problem(e);
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                if (e instanceof SubscriptionRefused) {
                    LOG.warn("MQTT inbound session {} on {}: the broker {}; its route starts again with the route controller's back-off "
                            + "until the broker allows it (its ACL for this client)", getConfiguration().getClientId(),
                            getConfiguration().getBrokerUrl(), problem);
                } else {
                    LOG.warn("MQTT inbound session {} cannot connect {}: {}; its route starts again with the route controller's "
                            + "back-off, the broker keeps our messages", getConfiguration().getClientId(),
                            getConfiguration().getBrokerUrl(), problem);
                }
            }
            end();
        }

        void started() {
            lastProblem = null;
        }

        /** Ends the connection and keeps the session: the broker queues for us until the route starts again. */
        void end() {
            SessionClient client = session;
            session = null;
            if (client == null) {
                return;
            }
            client.ending = true;
            try {
                if (client.isConnected()) {
                    client.disconnect(2000);
                    LOG.info("MQTT inbound session {} paused; the broker queues for it", client.getClientId());
                }
                client.close(true);
            } catch (MqttException | RuntimeException e) {
                LOG.debug("MQTT inbound session {} close: {}", client.getClientId(), LogText.of(e.toString()));
            }
        }

        @Override
        protected void doShutdown() throws Exception {
            end();
            super.doShutdown();
        }
    }

    /** The consumer of one start of the route, on a fresh session client. */
    static final class Session extends PahoMqtt5Consumer {

        private SessionClient client;

        Session(SessionEndpoint endpoint, Processor processor) {
            super(endpoint, processor);
        }

        @Override
        protected void doStart() throws Exception {
            SessionEndpoint endpoint = (SessionEndpoint) getEndpoint();
            client = endpoint.begin();
            setClient(client);
            try {
                super.doStart();
                endpoint.started();
            } catch (MqttException | RuntimeException e) {
                endpoint.failed(e);
                throw e;
            }
        }

        /**
         * The session stays connected after the consumer stopped, for the acknowledgements of the
         * batch in hand. Nothing else is stopped here: Camel's consumer would stop the route's
         * processors with it, before the aggregate forces out the batch it holds (forceCompletionOnStop),
         * and that batch would meet a stopped error handler. The route stops its processors after the batch.
         */
        @Override
        protected void doStop() {
            if (client != null) {
                client.paused = true;
            }
        }

        /** Ends the session, unless a later start of the route already has its own. */
        @Override
        protected void doShutdown() throws Exception {
            SessionEndpoint endpoint = (SessionEndpoint) getEndpoint();
            if (endpoint.session == client) {
                endpoint.end();
            }
            super.doShutdown();
        }
    }

    /**
     * The Paho client of one session start. Camel's consumer calls {@link #subscribe(String, int)}
     * after it installed its callback, and again after each automatic reconnect: the first call
     * connects, every call subscribes with Retain Handling 1 (see the class comment for why this is
     * not a consumer option).
     */
    static final class SessionClient extends MqttClient {

        private final MqttConnectionOptions options;
        private final String filter;
        volatile boolean ending;
        /** A resumed session's refused subscription was said (once a start). */
        private volatile boolean refusalSaid;
        /** The route stopped: a message arriving now is left unacknowledged, for the broker to send again to the resumed session. */
        volatile boolean paused;

        SessionClient(String brokerUrl, String clientId, MqttConnectionOptions options, String filter) throws MqttException {
            super(brokerUrl, clientId, new MemoryPersistence());
            this.options = options;
            this.filter = filter;
        }

        @Override
        public IMqttToken subscribe(String topicFilter, int qos) throws MqttException {
            MqttSubscription subscription = new MqttSubscription(filter, qos);
            subscription.setRetainHandling(1);
            if (!isConnected()) {
                IMqttToken token = connectWithResult(options);
                if (token.getSessionPresent()) {
                    LOG.info("MQTT inbound session {} connected {} (session resumed)", getClientId(), getServerURI());
                } else {
                    // nothing is queued for a new session: its SUBACK comes at once, and a message sent
                    // after the route started is the subscription's
                    IMqttToken granted = subscribe(new MqttSubscription[] {subscription});
                    String refused = refusal(granted);
                    if (refused != null) {
                        // a session without its subscription holds nothing: the broker drops it, and the
                        // next start of the route is a new session again, refused or granted at once
                        MqttProperties dropSession = new MqttProperties();
                        dropSession.setSessionExpiryInterval(0L);
                        try {
                            aClient.disconnect(2000, null, null, 0, dropSession).waitForCompletion(3000);
                        } catch (MqttException e) {
                            LOG.debug("MQTT inbound session {} disconnect: {}", getClientId(), LogText.of(e.toString()));
                        }
                        throw new SubscriptionRefused(refused);
                    }
                    LOG.info("MQTT inbound session {} connected {} (new session)", getClientId(), getServerURI());
                    return granted;
                }
            }
            // a resumed session keeps its subscription meanwhile, and its SUBACK comes behind the queued
            // messages Paho hands the route one by one on its callback thread (where the consumer also
            // resubscribes after a reconnect): not awaited, so neither the start nor that thread waits for
            // the database to store the backlog
            return aClient.subscribe(new MqttSubscription[] {subscription}, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken suback) {
                    String refused = refusal(suback);
                    if (refused != null && !refusalSaid) {
                        refusalSaid = true;
                        LOG.error("MQTT inbound session {}: the broker {}; its old subscription stays; allow it in the broker's ACL "
                                + "for this client, then restart the bridge", getClientId(), refused);
                    }
                }

                @Override
                public void onFailure(IMqttToken suback, Throwable e) {
                    // the connection went before the SUBACK: the reconnect subscribes again
                }
            }, new MqttProperties());
        }

        /** What a SUBACK that refused the subscription says, or null when it was granted. */
        private String refusal(IMqttToken suback) {
            int code = BrokerProblems.errorCode(suback.getReasonCodes());
            if (code == 0) {
                return null;
            }
            return "refused the subscription to " + LogText.of(filter) + " (" + BrokerProblems.describe(code)
                    + ", reason code 0x" + Integer.toHexString(code) + ")";
        }

        @Override
        public void setCallback(MqttCallback callback) {
            super.setCallback(new StateLogging(callback));
        }

        /** One log line per change of the connection, around the consumer's own callback. */
        private final class StateLogging implements MqttCallback {

            private final MqttCallback consumer;

            StateLogging(MqttCallback consumer) {
                this.consumer = consumer;
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
                if (!ending) {
                    String reason = response.getException() != null ? problem(response.getException())
                            : response.getReasonString() != null ? response.getReasonString()
                            : "disconnected by the broker (reason code " + response.getReturnCode() + ")";
                    LOG.warn("MQTT inbound session {} lost {}: {}; reconnecting, the broker keeps our messages", getClientId(),
                            getServerURI(), LogText.of(reason));
                }
                consumer.disconnected(response);
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                if (reconnect) {
                    LOG.info("MQTT inbound session {} reconnected {}", getClientId(), serverURI);
                }
                consumer.connectComplete(reconnect, serverURI);
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
                consumer.mqttErrorOccurred(exception);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) throws Exception {
                // an exception here would make Paho drop the connection
                if (!paused) {
                    consumer.messageArrived(topic, message);
                }
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
                consumer.deliveryComplete(token);
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
                consumer.authPacketArrived(reasonCode, properties);
            }
        }
    }

    /** The broker refused a new session's subscription: the route's start fails, in these words. */
    static final class SubscriptionRefused extends IllegalStateException {

        SubscriptionRefused(String message) {
            super(message);
        }
    }
}
