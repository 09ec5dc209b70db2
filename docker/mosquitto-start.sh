#!/bin/sh
# Builds Mosquitto's password file from the compose secrets (one file per user), then starts
# the broker. The file never leaves the container's data volume and is rebuilt at every start,
# so changing a secret and restarting the broker is all a password change takes.
set -eu
umask 077
passwd=/mosquitto/data/passwd
: > "$passwd"
for user in bridge display machine; do
  secret="/run/secrets/mqtt-$user-password"
  if [ -s "$secret" ]; then
    mosquitto_passwd -b "$passwd" "$user" "$(cat "$secret")"
  else
    echo "mosquitto: no $secret: user $user cannot log in" >&2
  fi
done
chown mosquitto:mosquitto "$passwd" 2>/dev/null || true
exec mosquitto -c /mosquitto/config/mosquitto.conf
