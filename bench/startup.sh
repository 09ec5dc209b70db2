#!/usr/bin/env bash
# Start-up time (issue 17): from `java -jar target/nemo-mqtt-bridge.jar` to the first publish, with
# docker/Dockerfile's JAVA_TOOL_OPTIONS, against a local PostgreSQL (trust auth) and Mosquitto.
# The jar is started from an empty directory (its routes and settings come from the jar). The
# first run meets a fresh database (Flyway creates the schema; the event is enqueued as soon as
# mqtt_bridge.enqueue() exists); the others find an event already waiting in the outbox.
#   STARTUP_RUNS=5 STARTUP_DB=bridge_startup PGHOST=127.0.0.1 PGPORT=5432 MQTT_HOST=127.0.0.1 MQTT_PORT=1883
#   STARTUP_JAVA_OPTS='...' replaces the Dockerfile's flags (e.g. to try a CDS archive)
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${STARTUP_JAR:-$PWD/target/nemo-mqtt-bridge.jar}
flags=${STARTUP_JAVA_OPTS:-$(sed -n 's/^ENV JAVA_TOOL_OPTIONS="\(.*\)"/\1/p' docker/Dockerfile)}
db=${STARTUP_DB:-bridge_startup}
runs=${STARTUP_RUNS:-5}
pg="psql -h ${PGHOST:-127.0.0.1} -p ${PGPORT:-5432} -U postgres -X -q -t -A"
mqtt_host=${MQTT_HOST:-127.0.0.1}
mqtt_port=${MQTT_PORT:-1883}
$pg -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
# NEMO's tables (empty), as in a lab's NEMO database
$pg -d "$db" -f src/test/resources/demo/nemo-lab.sql >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ms() { echo $(( $(date +%s%N) / 1000000 )); }
echo "JAVA_TOOL_OPTIONS=$flags; load: $(uptime | sed 's/.*load/load/')"
for run in $(seq 1 "$runs"); do
  event="startup_probe_$(date +%s%N)"
  schema=$($pg -d "$db" -c "SELECT to_regproc('mqtt_bridge.enqueue') IS NOT NULL")
  [ "$schema" = t ] && $pg -d "$db" -c "SELECT mqtt_bridge.enqueue('$event', '{}'::jsonb)" >/dev/null
  mosquitto_sub -h "$mqtt_host" -p "$mqtt_port" -C 1 -W 60 -t "nemo/events/$event" > "$work/sub.out" &
  sub=$!
  sleep 0.5
  start=$(ms)
  (cd "$work" && JAVA_TOOL_OPTIONS="$flags" SPRING_DATASOURCE_URL="jdbc:postgresql://${PGHOST:-127.0.0.1}:${PGPORT:-5432}/$db" \
    SPRING_DATASOURCE_USERNAME=postgres BRIDGE_MQTT_BROKER_URL="tcp://$mqtt_host:$mqtt_port" \
    BRIDGE_MQTT_CLIENT_ID=startup-probe BRIDGE_ADMIN_PASSWORD=startup SERVER_PORT=0 \
    exec java -jar "$jar" > "$work/bridge.log" 2>&1) &
  bridge=$!
  if [ "$schema" != t ]; then
    until [ "$($pg -d "$db" -c "SELECT to_regproc('mqtt_bridge.enqueue') IS NOT NULL" 2>/dev/null)" = t ]; do sleep 0.05; done
    $pg -d "$db" -c "SELECT mqtt_bridge.enqueue('$event', '{}'::jsonb)" >/dev/null
  fi
  if wait "$sub"; then published=$(ms); else published=; fi
  # CPU seconds the JVM used until then: on a busy machine the wall time mostly waits for a core
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$bridge/stat" 2>/dev/null || echo '?')
  started=$(grep -o 'Started BridgeApplication in [0-9.]* seconds' "$work/bridge.log" || true)
  cp "$work/bridge.log" target/startup-last.log
  kill "$bridge" 2>/dev/null || true
  # a stop that hangs (a broker disconnect that never completes) is not what is measured here
  for _ in $(seq 1 100); do kill -0 "$bridge" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$bridge" 2>/dev/null || true
  wait "$bridge" 2>/dev/null || true
  if [ -z "$published" ]; then
    echo "run $run: no publish within 60 s; the bridge's log:"; tail -20 "$work/bridge.log"; exit 1
  fi
  echo "run $run ($([ "$schema" = t ] && echo 'event waiting' || echo 'fresh database')): first publish $((published - start)) ms after java -jar (CPU ${cpu} s); ${started:-no Started line yet}"
done
