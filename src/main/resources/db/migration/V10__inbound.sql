-- Inbound (DESIGN §7): what machines and other services publish to us, kept in PostgreSQL.
-- Every message the bridge acknowledged is in exactly one of telemetry, telemetry_rejected
-- or inbox, so nothing acknowledged is ever unaccounted for.

-- Accepted machine readings. The three sensors everyone has get columns; any other numeric
-- field a machine sends is kept in extra rather than dropped.
CREATE TABLE mqtt_bridge.telemetry (
    id                 bigserial PRIMARY KEY,
    machine_id         text             NOT NULL,
    topic              text             NOT NULL,
    measured_at        timestamptz      NOT NULL,
    timestamp_replaced boolean          NOT NULL DEFAULT false,
    temperature        double precision,
    humidity           double precision,
    vibration          double precision,
    extra              jsonb            NOT NULL DEFAULT '{}'::jsonb,
    received_at        timestamptz      NOT NULL
);
CREATE INDEX telemetry_machine_idx ON mqtt_bridge.telemetry (machine_id, measured_at);
CREATE INDEX telemetry_received_at_idx ON mqtt_bridge.telemetry (received_at);

-- Telemetry that could not be read, with the reason and the bytes as they arrived.
CREATE TABLE mqtt_bridge.telemetry_rejected (
    id           bigserial PRIMARY KEY,
    topic        text        NOT NULL,
    reason       text        NOT NULL,
    payload      bytea,
    payload_text text,
    received_at  timestamptz NOT NULL
);
CREATE INDEX telemetry_rejected_received_at_idx ON mqtt_bridge.telemetry_rejected (received_at);

-- Machine liveness. published_online is what factory/machine/{id}/status last said
-- (null: nothing yet); a difference from online means a status is owed.
CREATE TABLE mqtt_bridge.machine (
    machine_id       text PRIMARY KEY,
    first_seen       timestamptz NOT NULL,
    last_seen        timestamptz NOT NULL,
    online           boolean     NOT NULL DEFAULT true,
    changed_at       timestamptz NOT NULL,
    published_online boolean,
    published_at     timestamptz
);
CREATE INDEX machine_online_idx ON mqtt_bridge.machine (last_seen) WHERE online;

-- Every change between online and offline, for dashboards and audits.
CREATE TABLE mqtt_bridge.machine_transition (
    id          bigserial PRIMARY KEY,
    machine_id  text        NOT NULL,
    online      boolean     NOT NULL,
    last_seen   timestamptz NOT NULL,
    at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX machine_transition_machine_idx ON mqtt_bridge.machine_transition (machine_id, at);

-- Recorded by the table itself, so no writer can forget it.
CREATE FUNCTION mqtt_bridge.machine_transition_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.online IS DISTINCT FROM OLD.online THEN
        INSERT INTO mqtt_bridge.machine_transition (machine_id, online, last_seen)
        VALUES (NEW.machine_id, NEW.online, NEW.last_seen);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER machine_transition AFTER INSERT OR UPDATE OF online ON mqtt_bridge.machine
    FOR EACH ROW EXECUTE FUNCTION mqtt_bridge.machine_transition_recorded();

-- Enveloped requests, responses and events (interservice.envelope.v1). A valid message is
-- stored once per message_id; invalid ones are all kept with the reason.
CREATE TABLE mqtt_bridge.inbox (
    id              bigserial PRIMARY KEY,
    message_id      text,
    message_type    text,
    topic           text,
    received_on     text        NOT NULL,
    source_service  text,
    request_id      text,
    reply_to        text,
    status          text,
    event_type      text,
    payload         jsonb,
    valid           boolean     NOT NULL,
    reason          text,
    raw             bytea,
    received_at     timestamptz NOT NULL,
    CHECK (valid = (reason IS NULL))
);
CREATE UNIQUE INDEX inbox_message_id_key ON mqtt_bridge.inbox (message_id) WHERE valid;
CREATE INDEX inbox_received_at_idx ON mqtt_bridge.inbox (received_at);
CREATE INDEX inbox_request_id_idx ON mqtt_bridge.inbox (request_id) WHERE request_id IS NOT NULL;
