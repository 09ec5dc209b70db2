-- NEMO triggers: re-created on every start (idempotent, by NemoTriggers after Flyway's migrate), so that an upgrade of the bridge
-- upgrades them and `bridge.nemo.triggers` switches them on or off.
-- NEMO's tables are never altered; only these triggers are added to them.
-- Placeholders: nemo_schema (where NEMO's tables live), nemo_triggers (true | false), one
-- nemo_events_* switch (true | false) per optional kind of event, nemo_reservation_horizon
-- (how far ahead the state looks for the next reservation, a PostgreSQL interval). Switches
-- are read as PostgreSQL booleans, so every spelling Spring accepts (on, off, yes, no) works.

-- The SQL functions below read NEMO's tables, which may not exist (an application that only
-- uses enqueue(), or NEMO installed later): their bodies are checked when they run, which is
-- only from the triggers installed where the tables exist.
SET check_function_bodies = off;

-- How far ahead a tool's state looks for its next reservation (bridge.nemo.reservation-horizon).
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_reservation_horizon() RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
    SELECT interval '${nemo_reservation_horizon}'
$$;

-- NEMO's Interlock.state: -1 unknown, 1 unlocked, 2 locked.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_interlock_label(p_state integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_state WHEN 1 THEN 'unlocked' WHEN 2 THEN 'locked' ELSE 'unknown' END
$$;

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

-- Every event is written by mqtt_bridge.enqueue_event (V28), which inserts the outbox row and
-- rings the doorbell. A tool's event takes the tool family's order lock there, so ids follow
-- commit order per tool; an event about a NEMO row that is not a tool (a reservation, an area,
-- an access record) takes none: NEMO's own row lock already serializes the saves of one
-- reservation, area or record, which is the order their topics need, and a lab-wide lock would
-- make unrelated NEMO transactions wait on each other.

-- The interlock a tool's display shows: a child tool uses its parent's, as NEMO does. NULL
-- when the tool has none, when NEMO has no interlock table, or when interlock events are off.
-- interlock_id is read through to_jsonb so that a NEMO without the column cannot make the
-- tool trigger (and with it NEMO's save) fail.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_tool_interlock(p_tool_id integer) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    label text;
BEGIN
    IF NOT '${nemo_events_interlock}'::boolean OR to_regclass(format('%I.%I', '${nemo_schema}', 'NEMO_interlock')) IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT mqtt_bridge.nemo_interlock_label(i.state) INTO label
      FROM ${nemo_schema}."NEMO_tool" t
      LEFT JOIN ${nemo_schema}."NEMO_tool" p ON p.id = t.parent_tool_id
      JOIN ${nemo_schema}."NEMO_interlock" i
        ON i.id = ((CASE WHEN t.parent_tool_id IS NULL THEN to_jsonb(t) ELSE to_jsonb(p) END) ->> 'interlock_id')::integer
     WHERE t.id = p_tool_id;
    RETURN label;
END
$$;

-- The next uncancelled reservation of the tool family (the tool, its parent, its children)
-- starting after p_now and within the horizon: who ("First Last") and when. No row when there
-- is none or NEMO has no reservation table. A reservation that has started is no longer next.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_next_reservation(p_tool_id integer, p_now timestamptz)
RETURNS TABLE (next_user text, next_start timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regclass(format('%I.%I', '${nemo_schema}', 'NEMO_reservation')) IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT mqtt_bridge.nemo_user_short(r.user_id), r.start
      FROM ${nemo_schema}."NEMO_reservation" r
     WHERE r.tool_id IN (SELECT p_tool_id
                         UNION ALL SELECT t.parent_tool_id FROM ${nemo_schema}."NEMO_tool" t WHERE t.id = p_tool_id
                         UNION ALL SELECT c.id FROM ${nemo_schema}."NEMO_tool" c WHERE c.parent_tool_id = p_tool_id)
       AND NOT r.cancelled
       AND NOT r.missed
       AND r.start > p_now
       AND r.start <= p_now + mqtt_bridge.nemo_reservation_horizon()
     ORDER BY r.start, r.id
     LIMIT 1;
END
$$;

-- Recomputes what a state shows beyond the usage (next reservation, interlock) for the given
-- tools (all when NULL) and republishes the state of each tool where it changed: a
-- tool_state_refresh row, which publishes the retained state only. p_cause_event_id and
-- p_cause_type name the event that changed it (a reservation event), so the state carries
-- that event's id; a scheduled refresh (a reservation started, or came within the horizon)
-- is its own cause. The refresh rows take no order lock: the state is read when it is
-- published, so their place among the tool's events cannot show a display anything stale.
-- With p_skip_locked a state row that a NEMO transaction holds is left for the next run,
-- so the schedule never waits for NEMO (and can never deadlock with it).
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_refresh_tool_states(p_tool_ids integer[], p_cause_event_id uuid,
                                                                p_cause_type text, p_skip_locked boolean)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    s record;
    new_user text;
    new_start timestamptz;
    new_interlock text;
    new_event_id uuid;
    now_ts timestamptz := clock_timestamp();
    refreshed integer := 0;
BEGIN
    FOR s IN SELECT ts.tool_id, ts.next_user, ts.next_start, ts.interlock FROM mqtt_bridge.tool_state ts
              WHERE p_tool_ids IS NULL OR ts.tool_id = ANY (p_tool_ids)
              ORDER BY ts.tool_id LOOP
        SELECT n.next_user, n.next_start, mqtt_bridge.nemo_tool_interlock(s.tool_id)
          INTO new_user, new_start, new_interlock
          FROM (SELECT 1) one LEFT JOIN LATERAL mqtt_bridge.nemo_next_reservation(s.tool_id, now_ts) n ON true;
        CONTINUE WHEN new_user IS NOT DISTINCT FROM s.next_user AND new_start IS NOT DISTINCT FROM s.next_start
                  AND new_interlock IS NOT DISTINCT FROM s.interlock;
        -- A NEMO transaction may have changed this state, and published it with its own event,
        -- since the loop read it: lock the row, then compare again with what has committed by
        -- now, or the refresh would publish the change a second time under its own event id.
        IF p_skip_locked THEN
            SELECT ts.tool_id, ts.next_user, ts.next_start, ts.interlock INTO s
              FROM mqtt_bridge.tool_state ts WHERE ts.tool_id = s.tool_id FOR UPDATE SKIP LOCKED;
        ELSE
            SELECT ts.tool_id, ts.next_user, ts.next_start, ts.interlock INTO s
              FROM mqtt_bridge.tool_state ts WHERE ts.tool_id = s.tool_id FOR UPDATE;
        END IF;
        CONTINUE WHEN NOT FOUND;
        SELECT n.next_user, n.next_start, mqtt_bridge.nemo_tool_interlock(s.tool_id)
          INTO new_user, new_start, new_interlock
          FROM (SELECT 1) one LEFT JOIN LATERAL mqtt_bridge.nemo_next_reservation(s.tool_id, now_ts) n ON true;
        CONTINUE WHEN new_user IS NOT DISTINCT FROM s.next_user AND new_start IS NOT DISTINCT FROM s.next_start
                  AND new_interlock IS NOT DISTINCT FROM s.interlock;
        new_event_id := (mqtt_bridge.enqueue_event('tool_state_refresh', jsonb_build_object(
            'event', 'tool_state_refresh',
            'tool_id', s.tool_id,
            'cause', coalesce(p_cause_type, 'schedule'),
            'timestamp', mqtt_bridge.iso_time(now_ts)), s.tool_id, NULL, false)).event_id;
        UPDATE mqtt_bridge.tool_state
           SET next_user = new_user, next_start = new_start, interlock = new_interlock,
               event_id = coalesce(p_cause_event_id, new_event_id),
               event_type = coalesce(p_cause_type, 'tool_state_refresh'), updated_at = now_ts
         WHERE tool_id = s.tool_id;
        refreshed := refreshed + 1;
    END LOOP;
    RETURN refreshed;
END
$$;

-- Makes sure a tool has a state row (tools created before the bridge, or by NEMO later).
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_seed_tool_state(p_tool_ids integer[] DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    seeded integer;
BEGIN
    INSERT INTO mqtt_bridge.tool_state (tool_id, parent_id, tool_name, in_use, operational, user_name, since, previous_user,
                                        interlock, next_user, next_start)
    SELECT t.id, t.parent_tool_id, t.name,
           cur.id IS NOT NULL,
           coalesce(p.operational, t.operational, true),
           mqtt_bridge.nemo_user_short(cur.user_id),
           coalesce(cur.start, prev."end"),
           mqtt_bridge.nemo_user_short(prev.user_id),
           mqtt_bridge.nemo_tool_interlock(t.id),
           nxt.next_user,
           nxt.next_start
    FROM ${nemo_schema}."NEMO_tool" t
    LEFT JOIN ${nemo_schema}."NEMO_tool" p ON p.id = t.parent_tool_id
    LEFT JOIN mqtt_bridge.tool_state s ON s.tool_id = t.id
    LEFT JOIN LATERAL (SELECT u.id, u.user_id, u.start FROM ${nemo_schema}."NEMO_usageevent" u
                       WHERE u.tool_id = t.id AND u."end" IS NULL ORDER BY u.start DESC LIMIT 1) cur ON true
    LEFT JOIN LATERAL (SELECT u.user_id, u."end" FROM ${nemo_schema}."NEMO_usageevent" u
                       WHERE u.tool_id = t.id AND u."end" IS NOT NULL ORDER BY u."end" DESC LIMIT 1) prev ON true
    LEFT JOIN LATERAL mqtt_bridge.nemo_next_reservation(t.id, clock_timestamp()) nxt ON true
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
    kind text;
    tool record;
    ev uuid;
    now_ts timestamptz := clock_timestamp();
BEGIN
    IF TG_OP = 'INSERT' AND NEW."end" IS NULL THEN
        kind := 'tool_enabled';
    ELSIF TG_OP = 'UPDATE' AND OLD."end" IS NULL AND NEW."end" IS NOT NULL THEN
        kind := 'tool_disabled';
    ELSE
        RETURN NULL;
    END IF;
    SELECT t.id, t.name, t.parent_tool_id INTO tool FROM ${nemo_schema}."NEMO_tool" t WHERE t.id = NEW.tool_id;
    ev := (mqtt_bridge.enqueue_event(kind, jsonb_build_object(
            'event', kind,
            'tool_id', NEW.tool_id,
            'tool_name', tool.name,
            'usage_id', NEW.id,
            'user_id', NEW.user_id,
            'user_name', mqtt_bridge.nemo_user_name(NEW.user_id),
            'operator_id', NEW.operator_id,
            'start_time', mqtt_bridge.iso_time(NEW.start),
            'timestamp', mqtt_bridge.iso_time(now_ts))
        || CASE WHEN kind = 'tool_disabled' THEN jsonb_build_object(
            'end_time', mqtt_bridge.iso_time(NEW."end"),
            'delayed_logoff', NEW."end" > now_ts) ELSE '{}'::jsonb END,
        NEW.tool_id, NULL, true)).event_id;
    PERFORM mqtt_bridge.nemo_seed_tool_state(ARRAY[NEW.tool_id, tool.parent_tool_id]);
    IF kind = 'tool_enabled' THEN
        UPDATE mqtt_bridge.tool_state
           SET in_use = true, user_name = mqtt_bridge.nemo_user_short(NEW.user_id),
               since = coalesce(NEW.start, now_ts), event_id = ev, event_type = kind, updated_at = now_ts
         WHERE tool_id IN (NEW.tool_id, tool.parent_tool_id);
    ELSE
        UPDATE mqtt_bridge.tool_state
           SET in_use = false, user_name = NULL, previous_user = mqtt_bridge.nemo_user_short(NEW.user_id),
               since = least(NEW."end", now_ts), event_id = ev, event_type = kind, updated_at = now_ts
         WHERE tool_id IN (NEW.tool_id, tool.parent_tool_id);
    END IF;
    RETURN NULL;
END
$$;

-- tool_operational / tool_non_operational when "operational" changes; tool_created for a new
-- tool, tool_updated when its name or visibility changes (other saves emit nothing). The
-- state follows renames and re-parenting silently (the next event publishes them); a new
-- interlock reaches the state with the next scheduled refresh. visible is read through
-- to_jsonb so that a NEMO without it cannot make this trigger (and with it NEMO's save) fail.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_tool_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ev uuid;
    kind text;
    now_ts timestamptz := clock_timestamp();
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM mqtt_bridge.nemo_seed_tool_state(ARRAY[NEW.id]);
        IF '${nemo_events_tools}'::boolean THEN
            PERFORM mqtt_bridge.enqueue_event('tool_created', mqtt_bridge.nemo_tool_payload('tool_created', NEW, now_ts), NEW.id, NULL, true);
        END IF;
        RETURN NULL;
    END IF;
    IF NEW.name IS DISTINCT FROM OLD.name OR NEW.parent_tool_id IS DISTINCT FROM OLD.parent_tool_id THEN
        UPDATE mqtt_bridge.tool_state SET tool_name = NEW.name, parent_id = NEW.parent_tool_id WHERE tool_id = NEW.id;
    END IF;
    IF NEW.operational IS DISTINCT FROM OLD.operational THEN
        kind := CASE WHEN NEW.operational THEN 'tool_operational' ELSE 'tool_non_operational' END;
        ev := (mqtt_bridge.enqueue_event(kind, jsonb_build_object(
            'event', kind,
            'tool_id', NEW.id,
            'tool_name', NEW.name,
            'operational', coalesce(NEW.operational, false),
            'timestamp', mqtt_bridge.iso_time(now_ts)), NEW.id, NULL, true)).event_id;
        PERFORM mqtt_bridge.nemo_seed_tool_state(ARRAY[NEW.id]);
        -- child tools delegate their state to the parent
        UPDATE mqtt_bridge.tool_state
           SET operational = coalesce(NEW.operational, false), event_id = ev, event_type = kind, updated_at = now_ts
         WHERE tool_id = NEW.id OR parent_id = NEW.id;
    END IF;
    IF '${nemo_events_tools}'::boolean
       AND (NEW.name IS DISTINCT FROM OLD.name OR to_jsonb(NEW) -> 'visible' IS DISTINCT FROM to_jsonb(OLD) -> 'visible') THEN
        PERFORM mqtt_bridge.enqueue_event('tool_updated', mqtt_bridge.nemo_tool_payload('tool_updated', NEW, now_ts), NEW.id, NULL, true);
    END IF;
    RETURN NULL;
END
$$;

-- The plugin's tool event, with a real timestamp where the plugin sends false.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_tool_payload(p_kind text, p_tool anyelement, p_at timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'event', p_kind,
        'tool_id', to_jsonb(p_tool) -> 'id',
        'tool_name', to_jsonb(p_tool) -> 'name',
        'tool_status', to_jsonb(p_tool) -> 'operational',
        'visible', to_jsonb(p_tool) -> 'visible',
        'parent_tool_id', to_jsonb(p_tool) -> 'parent_tool_id',
        'timestamp', mqtt_bridge.iso_time(p_at))
$$;

-- interlock_unlocked / interlock_locked / interlock_unknown when an interlock's state changes,
-- for the tool whose interlock it is; NEMO's other saves of it (the last reply) emit nothing.
-- The state of the tool and of its children (which use the parent's interlock) follows.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_interlock_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    tool record;
    label text := mqtt_bridge.nemo_interlock_label(NEW.state);
    kind text;
    ev uuid;
    now_ts timestamptz := clock_timestamp();
BEGIN
    IF NEW.state IS NOT DISTINCT FROM OLD.state THEN
        RETURN NULL;
    END IF;
    kind := 'interlock_' || label;
    FOR tool IN SELECT t.id, t.name FROM ${nemo_schema}."NEMO_tool" t WHERE t.interlock_id = NEW.id ORDER BY t.id LOOP
        ev := (mqtt_bridge.enqueue_event(kind, jsonb_build_object(
            'event', kind,
            'tool_id', tool.id,
            'tool_name', tool.name,
            'interlock_id', NEW.id,
            'state', NEW.state,
            'timestamp', mqtt_bridge.iso_time(now_ts)), tool.id, NULL, true)).event_id;
        PERFORM mqtt_bridge.nemo_seed_tool_state(ARRAY(
            SELECT c.id FROM ${nemo_schema}."NEMO_tool" c WHERE c.id = tool.id OR c.parent_tool_id = tool.id));
        UPDATE mqtt_bridge.tool_state
           SET interlock = label, event_id = ev, event_type = kind, updated_at = now_ts
         WHERE tool_id = tool.id OR parent_id = tool.id;
    END LOOP;
    RETURN NULL;
END
$$;

-- reservation_created for a new reservation, reservation_cancelled when it is cancelled,
-- reservation_updated when its start or end moves (or it is un-cancelled); other saves (missed,
-- validation, title, questions) emit nothing. The state of every tool whose next reservation
-- this changes is republished in the same transaction.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_reservation_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kind text;
    ev uuid;
    family integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.cancelled THEN
            RETURN NULL;
        END IF;
        kind := 'reservation_created';
    ELSIF NEW.cancelled AND NOT OLD.cancelled THEN
        kind := 'reservation_cancelled';
    ELSIF NOT NEW.cancelled
          AND (OLD.cancelled OR NEW.start IS DISTINCT FROM OLD.start OR NEW."end" IS DISTINCT FROM OLD."end") THEN
        kind := 'reservation_updated';
    ELSE
        RETURN NULL;
    END IF;
    ev := (mqtt_bridge.enqueue_event(kind, jsonb_build_object(
        'event', kind,
        'reservation_id', NEW.id,
        'user_id', NEW.user_id,
        'user_name', mqtt_bridge.nemo_user_name(NEW.user_id),
        'tool_id', NEW.tool_id,
        'area_id', to_jsonb(NEW) -> 'area_id',
        'start_time', mqtt_bridge.iso_time(NEW.start),
        'end_time', mqtt_bridge.iso_time(NEW."end"),
        'timestamp', mqtt_bridge.iso_time(clock_timestamp())), NULL, NULL, false)).event_id;
    IF NEW.tool_id IS NOT NULL THEN
        -- the tools whose family holds this tool: itself, its parent, its children
        family := ARRAY(SELECT NEW.tool_id
                        UNION SELECT t.parent_tool_id FROM ${nemo_schema}."NEMO_tool" t
                               WHERE t.id = NEW.tool_id AND t.parent_tool_id IS NOT NULL
                        UNION SELECT c.id FROM ${nemo_schema}."NEMO_tool" c WHERE c.parent_tool_id = NEW.tool_id);
        PERFORM mqtt_bridge.nemo_seed_tool_state(family);
        PERFORM mqtt_bridge.nemo_refresh_tool_states(family, ev, kind, false);
    END IF;
    RETURN NULL;
END
$$;

-- area_created / area_updated when an area is created or its name, reservation requirement,
-- capacity or parent changes (the plugin's area event); NEMO's tree bookkeeping emits nothing.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_area_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kind text;
    n jsonb := to_jsonb(NEW);
    o jsonb;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        o := to_jsonb(OLD);
        IF n -> 'name' IS NOT DISTINCT FROM o -> 'name'
           AND n -> 'requires_reservation' IS NOT DISTINCT FROM o -> 'requires_reservation'
           AND n -> 'maximum_capacity' IS NOT DISTINCT FROM o -> 'maximum_capacity'
           AND n -> 'parent_area_id' IS NOT DISTINCT FROM o -> 'parent_area_id' THEN
            RETURN NULL;
        END IF;
    END IF;
    kind := CASE WHEN TG_OP = 'INSERT' THEN 'area_created' ELSE 'area_updated' END;
    PERFORM mqtt_bridge.enqueue_event(kind, jsonb_build_object(
        'event', kind,
        'area_id', NEW.id,
        'area_name', NEW.name,
        'area_requires_reservation', n -> 'requires_reservation',
        'maximum_capacity', n -> 'maximum_capacity',
        'parent_area_id', n -> 'parent_area_id',
        'timestamp', mqtt_bridge.iso_time(clock_timestamp())), NULL, NULL, false);
    RETURN NULL;
END
$$;

-- area_access for a new access record (someone entered an area), area_access_ended when its
-- "end" goes NULL -> not NULL; other saves (validation, projects, staff charges) emit nothing.
CREATE OR REPLACE FUNCTION mqtt_bridge.nemo_area_access_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kind text;
    area_name text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        kind := 'area_access';
    ELSIF OLD."end" IS NULL AND NEW."end" IS NOT NULL THEN
        kind := 'area_access_ended';
    ELSE
        RETURN NULL;
    END IF;
    SELECT a.name INTO area_name FROM ${nemo_schema}."NEMO_area" a WHERE a.id = NEW.area_id;
    PERFORM mqtt_bridge.enqueue_event(kind, jsonb_build_object(
        'event', kind,
        'access_id', NEW.id,
        'user_id', NEW.customer_id,
        'user_name', mqtt_bridge.nemo_user_name(NEW.customer_id),
        'area_id', NEW.area_id,
        'area_name', area_name,
        'access_time', mqtt_bridge.iso_time(NEW.start),
        'end_time', mqtt_bridge.iso_time(NEW."end"),
        'timestamp', mqtt_bridge.iso_time(clock_timestamp())), NULL, NULL, false);
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
    PERFORM mqtt_bridge.enqueue_event(kind, jsonb_build_object(
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
        'timestamp', mqtt_bridge.iso_time(clock_timestamp())), NEW.tool_id, NULL, true);
    RETURN NULL;
END
$$;

-- Installs or removes the triggers; returns one line for the log. The usage, tool and task
-- triggers need NEMO's four core tables; each optional kind (interlocks, reservations, areas,
-- area access) installs only when its tables exist and its bridge.nemo.events.* switch is on.
CREATE OR REPLACE FUNCTION mqtt_bridge.apply_nemo_triggers(enabled boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    missing text[] := ARRAY[]::text[];
    installed text[] := ARRAY[]::text[];
    absent text[] := ARRAY[]::text[];
    off text[] := ARRAY[]::text[];
    tbl text;
    seeded integer;
    refreshed integer;
    optional_kind record;
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
    -- kind, trigger, table, function, operations, the tables it needs, its switch
    FOR optional_kind IN SELECT * FROM (VALUES
            ('interlocks', 'mqtt_bridge_interlock', 'NEMO_interlock', 'nemo_interlock_changed', 'UPDATE',
             ARRAY['NEMO_interlock'], '${nemo_events_interlock}'::boolean),
            ('reservations', 'mqtt_bridge_reservation', 'NEMO_reservation', 'nemo_reservation_changed', 'INSERT OR UPDATE',
             ARRAY['NEMO_reservation'], '${nemo_events_reservations}'::boolean),
            ('areas', 'mqtt_bridge_area', 'NEMO_area', 'nemo_area_changed', 'INSERT OR UPDATE',
             ARRAY['NEMO_area'], '${nemo_events_areas}'::boolean),
            ('area access', 'mqtt_bridge_area_access', 'NEMO_areaaccessrecord', 'nemo_area_access_changed', 'INSERT OR UPDATE',
             ARRAY['NEMO_areaaccessrecord', 'NEMO_area'], '${nemo_events_area_access}'::boolean))
            AS k(kind, trigger_name, table_name, function_name, operations, needs, switched_on) LOOP
        IF to_regclass(format('%I.%I', '${nemo_schema}', optional_kind.table_name)) IS NOT NULL THEN
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I.%I', optional_kind.trigger_name, '${nemo_schema}',
                           optional_kind.table_name);
        END IF;
        IF NOT enabled THEN
            CONTINUE;
        ELSIF NOT optional_kind.switched_on THEN
            off := off || optional_kind.kind;
        ELSIF EXISTS (SELECT 1 FROM unnest(optional_kind.needs) t(name)
                       WHERE to_regclass(format('%I.%I', '${nemo_schema}', t.name)) IS NULL)
              OR (optional_kind.table_name = 'NEMO_interlock' AND NOT EXISTS (
                      SELECT 1 FROM information_schema.columns
                       WHERE table_schema = '${nemo_schema}' AND table_name = 'NEMO_tool' AND column_name = 'interlock_id')) THEN
            absent := absent || optional_kind.kind;
        ELSE
            EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I.%I FOR EACH ROW EXECUTE FUNCTION mqtt_bridge.%I()',
                           optional_kind.trigger_name, optional_kind.operations, '${nemo_schema}',
                           optional_kind.table_name, optional_kind.function_name);
            installed := installed || optional_kind.kind;
        END IF;
    END LOOP;
    IF NOT enabled THEN
        RETURN 'NEMO triggers switched off (bridge.nemo.triggers=false)';
    END IF;
    -- tool metadata events come from the tool trigger, which is always there
    IF '${nemo_events_tools}'::boolean THEN
        installed := 'tool metadata'::text || installed;
    ELSE
        off := 'tool metadata'::text || off;
    END IF;

    CREATE TRIGGER mqtt_bridge_usage_event AFTER INSERT OR UPDATE ON ${nemo_schema}."NEMO_usageevent"
        FOR EACH ROW EXECUTE FUNCTION mqtt_bridge.nemo_usage_event_changed();
    CREATE TRIGGER mqtt_bridge_tool AFTER INSERT OR UPDATE ON ${nemo_schema}."NEMO_tool"
        FOR EACH ROW EXECUTE FUNCTION mqtt_bridge.nemo_tool_changed();
    CREATE TRIGGER mqtt_bridge_task AFTER INSERT OR UPDATE ON ${nemo_schema}."NEMO_task"
        FOR EACH ROW EXECUTE FUNCTION mqtt_bridge.nemo_task_changed();
    seeded := mqtt_bridge.nemo_seed_tool_state();
    -- states published before a kind was switched on or off (or before this version) catch up
    refreshed := mqtt_bridge.nemo_refresh_tool_states(NULL, NULL, NULL, true);
    RETURN format('NEMO triggers installed on %s."NEMO_usageevent", "NEMO_tool", "NEMO_task"; %s (%s new tool states, %s refreshed)',
                  '${nemo_schema}',
                  concat_ws('; ',
                      CASE WHEN installed <> '{}' THEN 'events for ' || array_to_string(installed, ', ') END,
                      CASE WHEN absent <> '{}' THEN 'no NEMO tables for ' || array_to_string(absent, ', ') END,
                      CASE WHEN off <> '{}' THEN 'switched off: ' || array_to_string(off, ', ') END),
                  seeded, refreshed);
EXCEPTION WHEN insufficient_privilege THEN
    RETURN format('cannot install NEMO triggers: %s. Run the bridge as the owner of NEMO''s tables, '
                  'or set bridge.nemo.triggers=false and publish with mqtt_bridge.enqueue()', SQLERRM);
END
$$;

-- The plugin's queue keeps its processed rows, and the plugin indexes none of its columns but
-- id: finding the few unprocessed rows then reads the whole table, every batch. A partial index
-- on the unprocessed rows (tiny, as they are) makes that a lookup. Created once, where the
-- plugin's table exists and the bridge may; without it the drain is slower, not wrong.
CREATE OR REPLACE FUNCTION mqtt_bridge.plugin_queue_index() RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('nemo_mqtt_mqtt_eventqueue') IS NULL THEN
        RETURN 'no plugin queue';
    END IF;
    IF to_regclass('mqtt_bridge_eventqueue_unprocessed') IS NOT NULL THEN
        RETURN 'index present';
    END IF;
    EXECUTE 'CREATE INDEX IF NOT EXISTS mqtt_bridge_eventqueue_unprocessed ON nemo_mqtt_mqtt_eventqueue (id) WHERE processed = false';
    RETURN 'index created';
EXCEPTION WHEN insufficient_privilege THEN
    RETURN format('no index on the plugin''s queue (%s): run the bridge as the owner of nemo_mqtt_mqtt_eventqueue '
                  'for a faster drain', SQLERRM);
END
$$;

-- Before enqueue_event (V28) the triggers wrote through these two.
DROP FUNCTION IF EXISTS mqtt_bridge.nemo_event(text, integer, jsonb);
DROP FUNCTION IF EXISTS mqtt_bridge.nemo_record_event(text, jsonb);

-- The outcome is recorded where the service reads it and logs it in one line.
INSERT INTO mqtt_bridge.bridge_status (instance_id, status, diagnostics)
VALUES ('_schema', 'migrated', jsonb_build_object('nemo_triggers',
        CASE WHEN mqtt_bridge.nemo_triggers_wanted('${nemo_triggers}', '${plugin_queue}')
             THEN mqtt_bridge.apply_nemo_triggers(true)
             WHEN lower('${nemo_triggers}') = 'auto'
             THEN mqtt_bridge.apply_nemo_triggers(false) || '; the plugin''s queue nemo_mqtt_mqtt_eventqueue is the source of NEMO events (bridge.nemo.triggers=auto)'
             ELSE mqtt_bridge.apply_nemo_triggers(false) END,
        'plugin_queue_index', CASE WHEN lower('${plugin_queue}') <> 'off' THEN mqtt_bridge.plugin_queue_index() END))
ON CONFLICT (instance_id) DO UPDATE SET diagnostics = EXCLUDED.diagnostics, last_heartbeat = now();

RESET check_function_bodies;
