#!/usr/bin/env bash
# Start-up time: from the start command to the first publish, against a local PostgreSQL (trust
# auth) and Mosquitto, the service started from a directory of its own (its routes and settings
# come from the jar). The first run meets a fresh database (Flyway creates the schema; the event
# is enqueued as soon as mqtt_bridge.enqueue() exists); the others find an event already waiting.
# Each run prints the wall time, the CPU seconds the JVM used until then (far steadier than the
# wall time on a busy machine) and the peak RSS until then (of both JVMs where a plain java -jar
# starts the service in a second one).
#   STARTUP_MODE=jar    java -jar target/nemo-mqtt-bridge.jar with docker/Dockerfile's JAVA_TOOL_OPTIONS
#   STARTUP_MODE=unit   as the systemd unit: the jar extracted, a class-data archive trained once
#                       (docs/deploy.md), /usr/bin/java or STARTUP_JAVA
#   STARTUP_MODE=image  as docker/Dockerfile: the layers extracted, Java 25 (STARTUP_JAVA25, else
#                       the first under /usr/lib/jvm) with the AOT cache trained as the image trains it
#   STARTUP_MODE=plain  java -jar with no flag at all: the jar starts the service in a second JVM of
#                       the shipped size, from a copy extracted on the first run, whose stop writes
#                       the class-data archive the later runs map
#   STARTUP_RUNS=5 STARTUP_DB=bridge_startup PGHOST=127.0.0.1 PGPORT=5432 MQTT_HOST=127.0.0.1 MQTT_PORT=1883
#   STARTUP_JAVA_OPTS='...' replaces the Dockerfile's flags
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${STARTUP_MODE:-jar}
jar=${STARTUP_JAR:-$PWD/target/nemo-mqtt-bridge.jar}
flags=${STARTUP_JAVA_OPTS-$(sed -n 's/^ENV JAVA_TOOL_OPTIONS="\(.*\)"/\1/p' docker/Dockerfile)}
java=${STARTUP_JAVA:-java}
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
# the training run of the image and the unit: the context built with no database or broker, then stopped
train() {
  (cd "$work/app" && SPRING_DATASOURCE_URL=jdbc:postgresql://127.0.0.1:1/training BRIDGE_MQTT_BROKER_URL=tcp://127.0.0.1:1 \
    BRIDGE_ADMIN_PASSWORD=training SPRING_FLYWAY_ENABLED=false SERVER_PORT=0 \
    "$java" $flags "$@" -Dbridge.training-run=true -jar "$work/app/nemo-mqtt-bridge.jar" > "$work/training.log" 2>&1) \
    || { echo "the training run failed:"; tail -20 "$work/training.log"; exit 1; }
}
start_jar=$jar
case "$mode" in
  jar) ;;
  # the first run extracts the jar and its JVM writes the class-data archive when it stops; the
  # others start from the extracted jar with it (a cache of this run's own, not the user's)
  plain) flags=; export BRIDGE_JVM_CACHE=${BRIDGE_JVM_CACHE:-$work/cache} ;;
  unit)
    java=${STARTUP_JAVA:-/usr/bin/java}
    "$java" -Djarmode=tools -jar "$jar" extract --destination "$work/app" >/dev/null
    train -XX:ArchiveClassesAtExit="$work/app/bridge.jsa" -Xlog:cds=error
    start_jar=$work/app/nemo-mqtt-bridge.jar
    flags="$flags -XX:SharedArchiveFile=$work/app/bridge.jsa -Xlog:cds=error" ;;
  image)
    java=${STARTUP_JAVA25:-$(for r in /usr/lib/jvm/*/release; do grep -q 'JAVA_VERSION="25' "$r" && echo "${r%/release}/bin/java" && break; done)}
    [ -x "$java" ] || { echo "STARTUP_MODE=image needs a Java 25 JDK: set STARTUP_JAVA25"; exit 1; }
    "$java" -Djarmode=tools -jar "$jar" extract --layers --destination "$work/layers" >/dev/null
    mkdir -p "$work/app" && for layer in dependencies spring-boot-loader snapshot-dependencies application; do
      cp -r "$work/layers/$layer/." "$work/app/"; done
    train -XX:AOTCacheOutput="$work/app/bridge.aot" -Xlog:cds=error -Xlog:aot=error
    start_jar=$work/app/nemo-mqtt-bridge.jar
    flags="$flags -XX:AOTCache=$work/app/bridge.aot -Xlog:cds=error -Xlog:aot=error" ;;
  *) echo "STARTUP_MODE is jar, unit, image or plain, not $mode"; exit 1 ;;
esac
echo "mode $mode: $("$java" -version 2>&1 | head -1); flags: ${flags:-none}; load: $(uptime | sed 's/.*load/load/')"
mkdir -p "$work/run"
for run in $(seq 1 "$runs"); do
  event="startup_probe_$(date +%s%N)"
  schema=$($pg -d "$db" -c "SELECT to_regproc('mqtt_bridge.enqueue') IS NOT NULL")
  [ "$schema" = t ] && $pg -d "$db" -c "SELECT mqtt_bridge.enqueue('$event', '{}'::jsonb)" >/dev/null
  mosquitto_sub -h "$mqtt_host" -p "$mqtt_port" -C 1 -W 60 -t "nemo/events/$event" > "$work/sub.out" &
  sub=$!
  sleep 0.5
  start=$(ms)
  (cd "$work/run" && SPRING_DATASOURCE_URL="jdbc:postgresql://${PGHOST:-127.0.0.1}:${PGPORT:-5432}/$db" \
    SPRING_DATASOURCE_USERNAME=postgres BRIDGE_MQTT_BROKER_URL="tcp://$mqtt_host:$mqtt_port" \
    BRIDGE_MQTT_CLIENT_ID=startup-probe BRIDGE_ADMIN_PASSWORD=startup SERVER_PORT=0 \
    exec "$java" $flags -jar "$start_jar" > "$work/bridge.log" 2>&1) &
  bridge=$!
  if [ "$schema" != t ]; then
    until [ "$($pg -d "$db" -c "SELECT to_regproc('mqtt_bridge.enqueue') IS NOT NULL" 2>/dev/null)" = t ]; do sleep 0.05; done
    $pg -d "$db" -c "SELECT mqtt_bridge.enqueue('$event', '{}'::jsonb)" >/dev/null
  fi
  if wait "$sub"; then published=$(ms); else published=; fi
  # CPU seconds the JVM used until then: on a busy machine the wall time mostly waits for a core
  cpu=$(for p in "$bridge" $(pgrep -P "$bridge" || true); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done \
    | awk -v hz="$(getconf CLK_TCK)" '{t += $1} END {printf "%.1f", t / hz}')
  # the whole process: with STARTUP_MODE=plain, the JVM started and the service's JVM it started
  rss=$(for p in "$bridge" $(pgrep -P "$bridge" || true); do awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null; done \
    | awk '{kb += $1} END {printf "%d", kb / 1024}')
  # the start completes before the stop (the first publish can come before it): a plain java -jar
  # keeps the class-data archive of a run that started only
  for _ in $(seq 1 150); do grep -q 'Started BridgeApplication' "$work/bridge.log" && break; sleep 0.2; done
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
  echo "run $run ($([ "$schema" = t ] && echo 'event waiting' || echo 'fresh database')): first publish $((published - start)) ms after the start command (CPU ${cpu} s, RSS peak ${rss} MB); ${started:-no Started line in 30 s}"
done
