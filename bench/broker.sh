# Sourced by the MQTT benchmarks: builds the project (bench/prepare.sh) and starts a Mosquitto of their own on
# 127.0.0.1:$MQTT_PORT (CARAVAN_BENCH_MQTT_PORT, default 18830), stopped on exit.
MQTT_PORT="${CARAVAN_BENCH_MQTT_PORT:-18830}"
. bench/prepare.sh
command -v mosquitto >/dev/null || install_packages mosquitto

WORK=$(mktemp -d)
cat >"$WORK/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 1000
set_tcp_nodelay true
CONF
mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
BROKER=$!
trap 'kill "$BROKER" 2>/dev/null; wait "$BROKER" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 40); do (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && break; sleep 0.25; done
