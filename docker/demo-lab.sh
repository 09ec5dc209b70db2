#!/bin/sh
# The compose stack's demo lab (--profile demo): loads NEMO-shaped tables and a few users and
# tools into the stack's database (the same files as the bridge's embedded demo; idempotent,
# so a restart loads nothing twice), then enables or disables a random tool every
# DEMO_STEP_SECONDS, the way NEMO does, so events flow and the dashboard moves.
# Connection from libpq's PG* variables; the password from the compose secret when there is one.
set -eu
secret="${NEMO_DB_PASSWORD_FILE:-/run/secrets/nemo-db-password}"
if [ -s "$secret" ]; then
  PGPASSWORD="$(cat "$secret")"
  export PGPASSWORD
fi
ready="${DEMO_READY_FILE:-/tmp/nemo-demo-loaded}"
rm -f "$ready"
psql -v ON_ERROR_STOP=1 -q -f "$DEMO_SQL/nemo-lab.sql" -f "$DEMO_SQL/nemo-lab-data.sql"
: > "$ready"
echo "demo lab loaded; a lab action every ${DEMO_STEP_SECONDS:-5} s"
while :; do
  # a database restart pauses the demo, it does not end it
  psql -q -t -A -c 'SELECT demo.simulate_step()' || echo "demo lab: the database did not answer; trying again" >&2
  sleep "${DEMO_STEP_SECONDS:-5}"
done
