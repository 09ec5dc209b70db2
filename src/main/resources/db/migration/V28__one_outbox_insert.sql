-- Every outbox row is written here, whoever writes it: mqtt_bridge.enqueue() (the public way,
-- DESIGN §2) and the NEMO triggers (db/nemo/triggers.sql) alike. It inserts the row and rings
-- the doorbell (pg_notify on nemo_mqtt_events). With p_tool_order, a row of a tool first takes
-- that tool's transaction-level advisory lock, so that a tool's ids follow commit order and
-- displays see its events in the order they happened; without it (a state refresh, which
-- holds the tool's state row and so must never wait on a NEMO transaction) none is taken.
-- Returns the row's id and its event_id (which the triggers put into the tool's state).
CREATE FUNCTION mqtt_bridge.enqueue_event(p_event_type text, p_payload jsonb, p_tool_id integer, p_topic text,
                                          p_tool_order boolean, OUT id bigint, OUT event_id uuid)
LANGUAGE plpgsql AS $$
BEGIN
    IF p_tool_order AND p_tool_id IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(1852140911, p_tool_id);  -- 1852140911 = 'nemo' as int4: the tool-order lock space
    END IF;
    INSERT INTO mqtt_bridge.outbox AS o (event_type, payload, tool_id, topic)
    VALUES (p_event_type, p_payload, p_tool_id, p_topic)
    RETURNING o.id, o.event_id INTO enqueue_event.id, enqueue_event.event_id;
    PERFORM pg_notify('nemo_mqtt_events', enqueue_event.id::text);
END
$$;

CREATE OR REPLACE FUNCTION mqtt_bridge.enqueue(event_type text, payload jsonb,
                                               tool_id integer DEFAULT NULL, topic text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF event_type IS NULL OR length(event_type) = 0 THEN
        RAISE EXCEPTION 'mqtt_bridge.enqueue: event_type is required';
    END IF;
    IF payload IS NULL THEN
        RAISE EXCEPTION 'mqtt_bridge.enqueue: payload is required';
    END IF;
    RETURN (mqtt_bridge.enqueue_event(enqueue.event_type, enqueue.payload, enqueue.tool_id, enqueue.topic, true)).id;
END
$$;
