#!/bin/sh
# The compose stack's demo machine (--profile demo): logs in as the broker's machine user and
# sends a telemetry reading every DEMO_STEP_SECONDS, so the dashboard's inbound panels move.
set -eu
host="${MQTT_HOST:-mosquitto}"
port="${MQTT_PORT:-1883}"
machine="${DEMO_MACHINE_ID:-demo-furnace}"
password="$(cat "${MQTT_PASSWORD_FILE:-/run/secrets/mqtt-machine-password}")"
sent="${DEMO_SENT_FILE:-/tmp/demo-machine-sent}"
rm -f "$sent"
step=0
while :; do
  step=$((step + 1))
  # a slow saw-tooth around 200 degrees: enough to see the readings change
  temperature=$((195 + step % 11))
  humidity=$((40 + step % 7))
  if mosquitto_pub -h "$host" -p "$port" -u machine -P "$password" -i "$machine" -V mqttv5 -q 1 \
      -t "factory/machine/$machine/telemetry" \
      -m "{\"machine_id\":\"$machine\",\"temperature\":$temperature,\"humidity\":$humidity}"; then
    : > "$sent"
  else
    echo "demo machine: the broker did not take the reading; trying again" >&2
  fi
  sleep "${DEMO_STEP_SECONDS:-5}"
done
