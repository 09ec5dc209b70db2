-- Demo lab: a few users and tools (one with a child tool), and a simulator step that
-- enables or disables a random tool the way NEMO does.
INSERT INTO "NEMO_user" (username, first_name, last_name) VALUES
    ('ada', 'Ada', 'Lovelace'), ('grace', 'Grace', 'Hopper'),
    ('marie', 'Marie', 'Curie'), ('rosalind', 'Rosalind', 'Franklin')
ON CONFLICT (username) DO NOTHING;

INSERT INTO "NEMO_tool" (name)
SELECT n FROM unnest(ARRAY['Mask Aligner', 'E-beam Evaporator', 'Plasma Etcher', 'SEM', 'Wire Bonder']) n
WHERE NOT EXISTS (SELECT 1 FROM "NEMO_tool");
INSERT INTO "NEMO_tool" (name, parent_tool_id)
SELECT 'SEM (EDS detector)', id FROM "NEMO_tool" WHERE name = 'SEM'
  AND NOT EXISTS (SELECT 1 FROM "NEMO_tool" WHERE parent_tool_id IS NOT NULL);

-- every parent tool behind a locked interlock, and a cleanroom to enter
WITH lockable AS (
    SELECT t.id AS tool_id, row_number() OVER (ORDER BY t.id) AS channel
      FROM "NEMO_tool" t WHERE t.parent_tool_id IS NULL AND t.interlock_id IS NULL
), interlocks AS (
    INSERT INTO "NEMO_interlock" (card_id, channel, state)
    SELECT 1, channel, 2 FROM lockable
    RETURNING id, channel
)
UPDATE "NEMO_tool" t SET interlock_id = i.id
  FROM lockable l JOIN interlocks i ON i.channel = l.channel
 WHERE t.id = l.tool_id;
INSERT INTO "NEMO_area" (name, requires_reservation, maximum_capacity)
SELECT 'Cleanroom', false, 12 WHERE NOT EXISTS (SELECT 1 FROM "NEMO_area");
-- the SEM is reserved later today, so displays have someone to show as next
INSERT INTO "NEMO_reservation" (user_id, creator_id, tool_id, start, "end")
SELECT u.id, u.id, t.id, date_trunc('hour', now()) + interval '2 hours', date_trunc('hour', now()) + interval '3 hours'
  FROM "NEMO_user" u, "NEMO_tool" t
 WHERE u.username = 'marie' AND t.name = 'SEM' AND NOT EXISTS (SELECT 1 FROM "NEMO_reservation");

CREATE SCHEMA IF NOT EXISTS demo;
-- One simulated lab action: free tools get enabled, tools in use get disabled.
CREATE OR REPLACE FUNCTION demo.simulate_step() RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    t record;
    u integer;
BEGIN
    SELECT id, name, interlock_id INTO t FROM "NEMO_tool" WHERE parent_tool_id IS NULL ORDER BY random() LIMIT 1;
    -- as NEMO does, disabling locks the tool's interlock and enabling unlocks it
    IF EXISTS (SELECT 1 FROM "NEMO_usageevent" WHERE tool_id = t.id AND "end" IS NULL) THEN
        UPDATE "NEMO_interlock" SET state = 2 WHERE id = t.interlock_id;
        UPDATE "NEMO_usageevent" SET "end" = now() WHERE tool_id = t.id AND "end" IS NULL;
        RETURN 'disabled ' || t.name;
    END IF;
    SELECT id INTO u FROM "NEMO_user" ORDER BY random() LIMIT 1;
    UPDATE "NEMO_interlock" SET state = 1 WHERE id = t.interlock_id;
    INSERT INTO "NEMO_usageevent" (user_id, operator_id, tool_id) VALUES (u, u, t.id);
    RETURN 'enabled ' || t.name;
END
$$;
