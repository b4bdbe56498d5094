#!/usr/bin/env bash
# Writes a Mosquitto configuration as Caravan expects its broker: no anonymous clients; accounts and ACLs kept by
# the dynamic security plugin, whose first account, the hub's, administers it (the hub then adds each edge's).
# Usage: scripts/mosquitto-conf.sh <dir> <port> <hub-username> <hub-password-file> [<tls-port> <cert> <key>]
#        writes <dir>/mosquitto.conf and, once, <dir>/dynsec.json; the broker runs as user mosquitto, so <dir> is its.
#        With a TLS port, a TLS listener too, with that certificate and key (copied into <dir>).
set -euo pipefail
DIR=$1
PORT=$2
HUB_USERNAME=$3
PASSWORD_FILE=$4
TLS_PORT=${5:-}
PLUGIN="$(dpkg -L mosquitto | grep '/mosquitto_dynamic_security\.so$' | head -n 1)"
[ -n "$PLUGIN" ] || { echo "Debian's mosquitto has no dynamic security plugin here" >&2; exit 1; }
mkdir -p "$DIR"
if [ ! -s "$DIR/dynsec.json" ]; then
  # mosquitto_ctrl takes the first password as an argument or from a terminal; this is the hub's, made for it.
  mosquitto_ctrl dynsec init "$DIR/dynsec.json" "$HUB_USERNAME" "$(cat "$PASSWORD_FILE")" >/dev/null
fi
cat >"$DIR/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
allow_anonymous false
plugin $PLUGIN
plugin_opt_config_file $DIR/dynsec.json
user mosquitto
persistence false
max_queued_messages 100000
CONF
if [ -n "$TLS_PORT" ]; then
  install -m 600 "$6" "$DIR/tls-cert.pem"
  install -m 600 "$7" "$DIR/tls-key.pem"
  cat >>"$DIR/mosquitto.conf" <<CONF
listener $TLS_PORT 127.0.0.1
certfile $DIR/tls-cert.pem
keyfile $DIR/tls-key.pem
CONF
fi
chown -R mosquitto:mosquitto "$DIR"
chmod 700 "$DIR"
runuser -u mosquitto -- test -w "$DIR/dynsec.json" ||
  { echo "user mosquitto cannot reach $DIR/dynsec.json: every folder above it must be searchable (chmod o+x)" >&2; exit 1; }
