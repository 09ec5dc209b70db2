package org.nemo.bridge.outbound;

/** MQTT 5 reason codes in words, for log lines and last_error. */
final class ReasonCodes {

    private ReasonCodes() {
    }

    static String describe(int code) {
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
