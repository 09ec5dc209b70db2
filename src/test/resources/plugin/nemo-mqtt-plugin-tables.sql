-- The nemo-mqtt-bridge Django plugin's tables, as its migrations create them (the columns
-- the bridge reads or writes; Django sets no database defaults).
CREATE TABLE nemo_mqtt_mqtt_eventqueue (
    id          bigserial PRIMARY KEY,
    topic       varchar(500) NOT NULL,
    payload     text NOT NULL,
    qos         integer NOT NULL,
    retain      boolean NOT NULL,
    processed   boolean NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE TABLE nemo_mqtt_mqttconfiguration (
    id                      bigserial PRIMARY KEY,
    name                    varchar(100) NOT NULL UNIQUE,
    enabled                 boolean NOT NULL,
    broker_host             varchar(255) NOT NULL,
    broker_port             integer NOT NULL,
    keepalive               integer NOT NULL,
    client_id               varchar(100) NOT NULL,
    username                varchar(100),
    password                varchar(100),
    use_hmac                boolean NOT NULL,
    hmac_secret_key         varchar(500),
    hmac_algorithm          varchar(20) NOT NULL,
    topic_prefix            varchar(100) NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);
CREATE UNIQUE INDEX nemo_mqtt_unique_enabled_configuration ON nemo_mqtt_mqttconfiguration (enabled) WHERE enabled;
CREATE TABLE nemo_mqtt_mqttbridgestatus (
    id              bigserial PRIMARY KEY,
    key             varchar(20) NOT NULL UNIQUE,
    status          varchar(20) NOT NULL,
    last_heartbeat  timestamptz,
    updated_at      timestamptz NOT NULL
);
