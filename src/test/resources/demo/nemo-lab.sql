-- A small NEMO-shaped lab for the zero-setup first run and for tests: the columns the
-- bridge reads, named and quoted as NEMO (Django) creates them.
CREATE TABLE IF NOT EXISTS "NEMO_user" (
    id          serial PRIMARY KEY,
    username    varchar(100) NOT NULL UNIQUE,
    first_name  varchar(100) NOT NULL,
    last_name   varchar(100) NOT NULL
);
-- Interlock.state: -1 unknown, 1 unlocked, 2 locked
CREATE TABLE IF NOT EXISTS "NEMO_interlock" (
    id                      serial PRIMARY KEY,
    card_id                 integer,
    channel                 integer,
    unit_id                 integer,
    state                   integer NOT NULL DEFAULT -1,
    most_recent_reply       text NOT NULL DEFAULT 'None',
    most_recent_reply_time  timestamptz
);
CREATE TABLE IF NOT EXISTS "NEMO_tool" (
    id              serial PRIMARY KEY,
    name            varchar(100) NOT NULL,
    parent_tool_id  integer REFERENCES "NEMO_tool" (id),
    operational     boolean NOT NULL DEFAULT true,
    visible         boolean NOT NULL DEFAULT true,
    interlock_id    integer UNIQUE REFERENCES "NEMO_interlock" (id),
    _location       varchar(100)
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
-- Areas form a tree (django-mptt keeps lft, rght, tree_id and level).
CREATE TABLE IF NOT EXISTS "NEMO_area" (
    id                    serial PRIMARY KEY,
    name                  varchar(200) NOT NULL,
    parent_area_id        integer REFERENCES "NEMO_area" (id),
    category              varchar(200),
    requires_reservation  boolean NOT NULL DEFAULT false,
    maximum_capacity      integer NOT NULL DEFAULT 0,
    reservation_warning   integer,
    lft                   integer NOT NULL DEFAULT 0,
    rght                  integer NOT NULL DEFAULT 0,
    tree_id               integer NOT NULL DEFAULT 0,
    level                 integer NOT NULL DEFAULT 0
);
-- A reservation is of a tool or of an area; moving one in NEMO cancels it and creates its descendant.
CREATE TABLE IF NOT EXISTS "NEMO_reservation" (
    id                      serial PRIMARY KEY,
    user_id                 integer NOT NULL REFERENCES "NEMO_user" (id),
    creator_id              integer NOT NULL REFERENCES "NEMO_user" (id),
    creation_time           timestamptz NOT NULL DEFAULT now(),
    tool_id                 integer REFERENCES "NEMO_tool" (id),
    area_id                 integer REFERENCES "NEMO_area" (id),
    start                   timestamptz NOT NULL,
    "end"                   timestamptz NOT NULL,
    short_notice            boolean NOT NULL DEFAULT false,
    cancelled               boolean NOT NULL DEFAULT false,
    cancellation_time       timestamptz,
    cancelled_by_id         integer REFERENCES "NEMO_user" (id),
    missed                  boolean NOT NULL DEFAULT false,
    shortened               boolean NOT NULL DEFAULT false,
    descendant_id           integer REFERENCES "NEMO_reservation" (id),
    additional_information  text,
    self_configuration      boolean NOT NULL DEFAULT false,
    title                   varchar(200) NOT NULL DEFAULT '',
    validated               boolean NOT NULL DEFAULT false,
    waived                  boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS "NEMO_reservation_tool_id" ON "NEMO_reservation" (tool_id);
-- Who is in an area: a record per entry, its end set on the way out.
CREATE TABLE IF NOT EXISTS "NEMO_areaaccessrecord" (
    id               serial PRIMARY KEY,
    area_id          integer NOT NULL REFERENCES "NEMO_area" (id),
    customer_id      integer NOT NULL REFERENCES "NEMO_user" (id),
    project_id       integer,
    start            timestamptz NOT NULL DEFAULT now(),
    "end"            timestamptz,
    staff_charge_id  integer,
    validated        boolean NOT NULL DEFAULT false,
    waived           boolean NOT NULL DEFAULT false
);
