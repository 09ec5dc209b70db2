-- A small NEMO-shaped lab for the zero-setup first run and for tests: the columns the
-- bridge reads, named and quoted as NEMO (Django) creates them.
CREATE TABLE IF NOT EXISTS "NEMO_user" (
    id          serial PRIMARY KEY,
    username    varchar(100) NOT NULL UNIQUE,
    first_name  varchar(100) NOT NULL,
    last_name   varchar(100) NOT NULL
);
CREATE TABLE IF NOT EXISTS "NEMO_tool" (
    id              serial PRIMARY KEY,
    name            varchar(100) NOT NULL,
    parent_tool_id  integer REFERENCES "NEMO_tool" (id),
    operational     boolean NOT NULL DEFAULT true,
    visible         boolean NOT NULL DEFAULT true
);
CREATE TABLE IF NOT EXISTS "NEMO_usageevent" (
    id          serial PRIMARY KEY,
    user_id     integer NOT NULL REFERENCES "NEMO_user" (id),
    operator_id integer NOT NULL REFERENCES "NEMO_user" (id),
    tool_id     integer NOT NULL REFERENCES "NEMO_tool" (id),
    start       timestamptz NOT NULL DEFAULT now(),
    "end"       timestamptz,
    validated   boolean NOT NULL DEFAULT false,
    waived      boolean NOT NULL DEFAULT false,
    run_data    text
);
CREATE INDEX IF NOT EXISTS "NEMO_usageevent_tool_id" ON "NEMO_usageevent" (tool_id);
CREATE TABLE IF NOT EXISTS "NEMO_task" (
    id                  serial PRIMARY KEY,
    tool_id             integer NOT NULL REFERENCES "NEMO_tool" (id),
    force_shutdown      boolean NOT NULL DEFAULT false,
    safety_hazard       boolean NOT NULL DEFAULT false,
    cancelled           boolean NOT NULL DEFAULT false,
    resolved            boolean NOT NULL DEFAULT false,
    problem_description text,
    creation_time       timestamptz NOT NULL DEFAULT now(),
    last_updated        timestamptz NOT NULL DEFAULT now()
);
