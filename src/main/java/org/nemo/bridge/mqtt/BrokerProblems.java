package org.nemo.bridge.mqtt;

import java.net.ConnectException;
import java.net.UnknownHostException;

import javax.net.ssl.SSLException;

import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * A broker problem in the words every connection of the service logs it in (the publishing
 * connection, the inbound sessions): one line an operator can act on, without secrets.
 */
public final class BrokerProblems {

    private BrokerProblems() {
    }

    /** Why a connect or a connection failed, in one line. */
    public static String explain(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException) {
                return "TLS handshake failed (" + cause.getMessage() + "): check bridge.mqtt.tls.* and the broker's certificate";
            }
            if (cause instanceof UnknownHostException) {
                return "unknown host " + cause.getMessage() + ": check the broker address";
            }
            if (cause instanceof ConnectException) {
                return "unreachable (" + cause.getMessage() + "): is the broker running at that address?";
            }
        }
        if (e instanceof MqttException mqttException) {
            int code = mqttException.getReasonCode();
            if (code == 0x86 || code == 0x87 || code == 4 || code == 5) {
                return "refused the login (" + (code == 0x87 || code == 5 ? "not authorized" : "bad user name or password")
                        + "): check the broker user name and password";
            }
            if (code >= 0x80 && code <= 0xFF) {
                return "refused the connection: " + describe(code);
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * The error reason code (0x80 and above) of a broker's acknowledgement of one packet (a
     * PUBACK's, a SUBACK's for one subscription), or 0 when the broker accepted it.
     */
    public static int errorCode(int[] reasonCodes) {
        return reasonCodes != null && reasonCodes.length > 0 && reasonCodes[0] >= 0x80 ? reasonCodes[0] : 0;
    }

    /** An MQTT 5 reason code in words, for log lines and last_error. */
    public static String describe(int code) {
        return switch (code) {
            case 0x80 -> "unspecified error";
            case 0x81 -> "malformed packet";
            case 0x82 -> "protocol error";
            case 0x83 -> "implementation specific error";
            case 0x84 -> "unsupported protocol version";
            case 0x85 -> "client identifier not valid";
            case 0x86 -> "bad user name or password";
            case 0x87 -> "not authorized";
            case 0x88 -> "server unavailable";
            case 0x89 -> "server busy";
            case 0x8A -> "banned";
            case 0x8C -> "bad authentication method";
            case 0x90 -> "topic name invalid";
            case 0x95 -> "packet too large";
            case 0x97 -> "quota exceeded";
            case 0x99 -> "payload format invalid";
            case 0x9A -> "retain not supported";
            case 0x9B -> "QoS not supported";
            case 0x9F -> "connection rate exceeded";
            default -> "reason code " + code;
        };
    }
}
