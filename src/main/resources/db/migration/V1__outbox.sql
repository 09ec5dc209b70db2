-- The bridge's own objects, in schema mqtt_bridge (created by Flyway). NEMO's tables are
-- never altered here.

-- One row per outbound event; drained in id order, marked published only after PUBACK.
CREATE TABLE mqtt_bridge.outbox (
    id              bigserial PRIMARY KEY,
    event_id        uuid        NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    event_type      text        NOT NULL,
    tool_id         integer,
    topic           text,
    payload         jsonb       NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'published', 'dead')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_at    timestamptz
);

-- The drainer only ever looks at pending rows, in id order.
CREATE INDEX outbox_pending_idx ON mqtt_bridge.outbox (id) WHERE status = 'pending';
CREATE INDEX outbox_dead_idx ON mqtt_bridge.outbox (id) WHERE status = 'dead';
CREATE INDEX outbox_published_at_idx ON mqtt_bridge.outbox (published_at) WHERE status = 'published';

-- The public, transactional way for any application to publish.
-- Rows of one tool are serialized by a transaction-level advisory lock, so that their ids
-- follow commit order and displays see a tool's events in the order they happened.
CREATE FUNCTION mqtt_bridge.enqueue(event_type text, payload jsonb,
                                    tool_id integer DEFAULT NULL, topic text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    IF event_type IS NULL OR length(event_type) = 0 THEN
        RAISE EXCEPTION 'mqtt_bridge.enqueue: event_type is required';
    END IF;
    IF payload IS NULL THEN
        RAISE EXCEPTION 'mqtt_bridge.enqueue: payload is required';
    END IF;
    IF tool_id IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(1852140911, tool_id);  -- 1852140911 = 'nemo' as int4: the tool-order lock space
    END IF;
    INSERT INTO mqtt_bridge.outbox (event_type, payload, tool_id, topic)
    VALUES (enqueue.event_type, enqueue.payload, enqueue.tool_id, enqueue.topic)
    RETURNING id INTO new_id;
    PERFORM pg_notify('nemo_mqtt_events', new_id::text);
    RETURN new_id;
END
$$;

-- The bridge's own status: one row per running instance, the leader marked.
CREATE TABLE mqtt_bridge.bridge_status (
    instance_id     text PRIMARY KEY,
    status          text        NOT NULL,
    leader          boolean     NOT NULL DEFAULT false,
    version         text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    last_heartbeat  timestamptz NOT NULL DEFAULT now(),
    diagnostics     jsonb       NOT NULL DEFAULT '{}'::jsonb
);
