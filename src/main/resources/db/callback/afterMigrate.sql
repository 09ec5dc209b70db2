-- NEMO triggers: re-created on every start (idempotent), so that an upgrade of the bridge
-- upgrades them and `bridge.nemo.triggers` switches them on or off.
-- NEMO's tables are never altered; only these triggers are added to them.
-- Placeholders: nemo_schema (where NEMO's tables live), nemo_triggers (true | false).

-- "First Last (username)" as the plugin's user_name.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_user_name(p_user_id integer) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')) || ' (' || u.username || ')'
    FROM ${nemo_schema}."NEMO_user" u WHERE u.id = p_user_id
$$;

-- "First Last" as the state's user and previous_user.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_user_short(p_user_id integer) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), '')
    FROM ${nemo_schema}."NEMO_user" u WHERE u.id = p_user_id
$$;

-- Writes one event for a tool: takes the tool family's order lock, so ids follow commit
-- order per tool, inserts the outbox row and rings the doorbell. Returns the event_id.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_event(p_event_type text, p_tool_id integer, p_payload jsonb)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
    new_event_id uuid;
BEGIN
    PERFORM pg_advisory_xact_lock(1852140911, p_tool_id);
    INSERT INTO mqtt_bridge.outbox (event_type, tool_id, payload)
    VALUES (p_event_type, p_tool_id, p_payload)
    RETURNING id, event_id INTO new_id, new_event_id;
    PERFORM pg_notify('nemo_mqtt_events', new_id::text);
    RETURN new_event_id;
END
$$;

-- Makes sure a tool has a state row (tools created before the bridge, or by NEMO later).
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_seed_tool_state(p_tool_ids integer[] DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    seeded integer;
BEGIN
    INSERT INTO mqtt_bridge.tool_state (tool_id, parent_id, tool_name, in_use, operational, user_name, since, previous_user)
    SELECT t.id, t.parent_tool_id, t.name,
           cur.id IS NOT NULL,
           coalesce(p.operational, t.operational, true),
           mqtt_bridge.nemo_user_short(cur.user_id),
           coalesce(cur.start, prev."end"),
           mqtt_bridge.nemo_user_short(prev.user_id)
    FROM ${nemo_schema}."NEMO_tool" t
    LEFT JOIN ${nemo_schema}."NEMO_tool" p ON p.id = t.parent_tool_id
    LEFT JOIN mqtt_bridge.tool_state s ON s.tool_id = t.id
    LEFT JOIN LATERAL (SELECT u.id, u.user_id, u.start FROM ${nemo_schema}."NEMO_usageevent" u
                       WHERE u.tool_id = t.id AND u."end" IS NULL ORDER BY u.start DESC LIMIT 1) cur ON true
    LEFT JOIN LATERAL (SELECT u.user_id, u."end" FROM ${nemo_schema}."NEMO_usageevent" u
                       WHERE u.tool_id = t.id AND u."end" IS NOT NULL ORDER BY u."end" DESC LIMIT 1) prev ON true
    WHERE s.tool_id IS NULL AND (p_tool_ids IS NULL OR t.id = ANY (p_tool_ids))
    ON CONFLICT (tool_id) DO NOTHING;
    GET DIAGNOSTICS seeded = ROW_COUNT;
    RETURN seeded;
END
$$;

-- tool_enabled on a new open usage; tool_disabled when "end" goes NULL -> not NULL.
-- Any other save of a usage row (validation, waiving, run data) emits nothing.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_usage_event_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    tool record;
    ev uuid;
    now_ts timestamptz := clock_timestamp();
    since_ts timestamptz;
BEGIN
    IF TG_OP = 'INSERT' AND NEW."end" IS NULL THEN
        SELECT t.id, t.name, t.parent_tool_id INTO tool FROM ${nemo_schema}."NEMO_tool" t WHERE t.id = NEW.tool_id;
        ev := mqtt_bridge.nemo_event('tool_enabled', NEW.tool_id, jsonb_build_object(
            'event', 'tool_enabled',
            'tool_id', NEW.tool_id,
            'tool_name', tool.name,
            'usage_id', NEW.id,
            'user_id', NEW.user_id,
            'user_name', mqtt_bridge.nemo_user_name(NEW.user_id),
            'operator_id', NEW.operator_id,
            'start_time', mqtt_bridge.iso_time(NEW.start),
            'timestamp', mqtt_bridge.iso_time(now_ts)));
        PERFORM mqtt_bridge.nemo_seed_tool_state(ARRAY[NEW.tool_id, tool.parent_tool_id]);
        UPDATE mqtt_bridge.tool_state
           SET in_use = true, user_name = mqtt_bridge.nemo_user_short(NEW.user_id),
               since = coalesce(NEW.start, now_ts), event_id = ev, event_type = 'tool_enabled', updated_at = now_ts
         WHERE tool_id IN (NEW.tool_id, tool.parent_tool_id);
    ELSIF TG_OP = 'UPDATE' AND OLD."end" IS NULL AND NEW."end" IS NOT NULL THEN
        SELECT t.id, t.name, t.parent_tool_id INTO tool FROM ${nemo_schema}."NEMO_tool" t WHERE t.id = NEW.tool_id;
        ev := mqtt_bridge.nemo_event('tool_disabled', NEW.tool_id, jsonb_build_object(
            'event', 'tool_disabled',
            'tool_id', NEW.tool_id,
            'tool_name', tool.name,
            'usage_id', NEW.id,
            'user_id', NEW.user_id,
            'user_name', mqtt_bridge.nemo_user_name(NEW.user_id),
            'operator_id', NEW.operator_id,
            'start_time', mqtt_bridge.iso_time(NEW.start),
            'end_time', mqtt_bridge.iso_time(NEW."end"),
            'delayed_logoff', NEW."end" > now_ts,
            'timestamp', mqtt_bridge.iso_time(now_ts)));
        since_ts := least(NEW."end", now_ts);
        PERFORM mqtt_bridge.nemo_seed_tool_state(ARRAY[NEW.tool_id, tool.parent_tool_id]);
        UPDATE mqtt_bridge.tool_state
           SET in_use = false, user_name = NULL, previous_user = mqtt_bridge.nemo_user_short(NEW.user_id),
               since = since_ts, event_id = ev, event_type = 'tool_disabled', updated_at = now_ts
         WHERE tool_id IN (NEW.tool_id, tool.parent_tool_id);
    END IF;
    RETURN NULL;
END
$$;

-- tool_operational / tool_non_operational when "operational" changes; a new tool gets a
-- state row, a rename updates the state's name (no event).
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_tool_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ev uuid;
    kind text;
    now_ts timestamptz := clock_timestamp();
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM mqtt_bridge.nemo_seed_tool_state(ARRAY[NEW.id]);
        RETURN NULL;
    END IF;
    IF NEW.name IS DISTINCT FROM OLD.name OR NEW.parent_tool_id IS DISTINCT FROM OLD.parent_tool_id THEN
        UPDATE mqtt_bridge.tool_state SET tool_name = NEW.name, parent_id = NEW.parent_tool_id WHERE tool_id = NEW.id;
    END IF;
    IF NEW.operational IS DISTINCT FROM OLD.operational THEN
        kind := CASE WHEN NEW.operational THEN 'tool_operational' ELSE 'tool_non_operational' END;
        ev := mqtt_bridge.nemo_event(kind, NEW.id, jsonb_build_object(
            'event', kind,
            'tool_id', NEW.id,
            'tool_name', NEW.name,
            'operational', coalesce(NEW.operational, false),
            'timestamp', mqtt_bridge.iso_time(now_ts)));
        PERFORM mqtt_bridge.nemo_seed_tool_state(ARRAY[NEW.id]);
        -- child tools delegate their state to the parent
        UPDATE mqtt_bridge.tool_state
           SET operational = coalesce(NEW.operational, false), event_id = ev, event_type = kind, updated_at = now_ts
         WHERE tool_id = NEW.id OR parent_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

-- task_created / task_updated, or task_shutdown whenever force_shutdown or safety_hazard is set.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_task_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kind text;
    tool_name text;
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.force_shutdown IS NOT DISTINCT FROM OLD.force_shutdown
       AND NEW.safety_hazard IS NOT DISTINCT FROM OLD.safety_hazard
       AND NEW.cancelled IS NOT DISTINCT FROM OLD.cancelled
       AND NEW.resolved IS NOT DISTINCT FROM OLD.resolved
       AND NEW.problem_description IS NOT DISTINCT FROM OLD.problem_description THEN
        RETURN NULL;
    END IF;
    kind := CASE WHEN coalesce(NEW.force_shutdown, false) OR coalesce(NEW.safety_hazard, false) THEN 'task_shutdown'
                 WHEN TG_OP = 'INSERT' THEN 'task_created'
                 ELSE 'task_updated' END;
    SELECT t.name INTO tool_name FROM ${nemo_schema}."NEMO_tool" t WHERE t.id = NEW.tool_id;
    PERFORM mqtt_bridge.nemo_event(kind, NEW.tool_id, jsonb_build_object(
        'event', kind,
        'task_id', NEW.id,
        'tool_id', NEW.tool_id,
        'tool_name', tool_name,
        'problem_description', NEW.problem_description,
        'force_shutdown', NEW.force_shutdown,
        'safety_hazard', NEW.safety_hazard,
        'cancelled', NEW.cancelled,
        'resolved', NEW.resolved,
        'created_at', mqtt_bridge.iso_time(NEW.creation_time),
        'updated_at', mqtt_bridge.iso_time(NEW.last_updated),
        'timestamp', mqtt_bridge.iso_time(clock_timestamp())));
    RETURN NULL;
END
$$;

-- Installs or removes the triggers; returns one line for the log.
CREATE OR REPLACE FUNCTION mqtt_bridge.apply_nemo_triggers(enabled boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    missing text[] := ARRAY[]::text[];
    tbl text;
    seeded integer;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['NEMO_tool', 'NEMO_user', 'NEMO_usageevent', 'NEMO_task'] LOOP
        IF to_regclass(format('%I.%I', '${nemo_schema}', tbl)) IS NULL THEN
            missing := missing || tbl;
        END IF;
    END LOOP;
    IF array_length(missing, 1) IS NOT NULL THEN
        RETURN format('NEMO tables not found in schema %s (%s): NEMO triggers not installed; mqtt_bridge.enqueue() still works',
                      '${nemo_schema}', array_to_string(missing, ', '));
    END IF;

    DROP TRIGGER IF EXISTS mqtt_bridge_usage_event ON ${nemo_schema}."NEMO_usageevent";
    DROP TRIGGER IF EXISTS mqtt_bridge_tool ON ${nemo_schema}."NEMO_tool";
    DROP TRIGGER IF EXISTS mqtt_bridge_task ON ${nemo_schema}."NEMO_task";
    IF NOT enabled THEN
        RETURN 'NEMO triggers switched off (bridge.nemo.triggers=false)';
    END IF;

    CREATE TRIGGER mqtt_bridge_usage_event AFTER INSERT OR UPDATE ON ${nemo_schema}."NEMO_usageevent"
        FOR EACH ROW EXECUTE FUNCTION mqtt_bridge.nemo_usage_event_changed();
    CREATE TRIGGER mqtt_bridge_tool AFTER INSERT OR UPDATE ON ${nemo_schema}."NEMO_tool"
        FOR EACH ROW EXECUTE FUNCTION mqtt_bridge.nemo_tool_changed();
    CREATE TRIGGER mqtt_bridge_task AFTER INSERT OR UPDATE ON ${nemo_schema}."NEMO_task"
        FOR EACH ROW EXECUTE FUNCTION mqtt_bridge.nemo_task_changed();
    seeded := mqtt_bridge.nemo_seed_tool_state();
    RETURN format('NEMO triggers installed on %s."NEMO_usageevent", "NEMO_tool", "NEMO_task" (%s new tool states)',
                  '${nemo_schema}', seeded);
EXCEPTION WHEN insufficient_privilege THEN
    RETURN format('cannot install NEMO triggers: %s. Run the bridge as the owner of NEMO''s tables, '
                  'or set bridge.nemo.triggers=false and publish with mqtt_bridge.enqueue()', SQLERRM);
END
$$;

-- The outcome is recorded where the service reads it and logs it in one line.
INSERT INTO mqtt_bridge.bridge_status (instance_id, status, diagnostics)
VALUES ('_schema', 'migrated', jsonb_build_object('nemo_triggers',
        CASE WHEN mqtt_bridge.nemo_triggers_wanted('${nemo_triggers}', '${plugin_queue}')
             THEN mqtt_bridge.apply_nemo_triggers(true)
             WHEN lower('${nemo_triggers}') = 'auto'
             THEN mqtt_bridge.apply_nemo_triggers(false) || '; the plugin''s queue nemo_mqtt_mqtt_eventqueue is the source of NEMO events (bridge.nemo.triggers=auto)'
             ELSE mqtt_bridge.apply_nemo_triggers(false) END))
ON CONFLICT (instance_id) DO UPDATE SET diagnostics = EXCLUDED.diagnostics, last_heartbeat = now();
