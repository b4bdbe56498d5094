# Sourced by the MQTT benchmarks: installs what they need, builds the project with its test classpath, and starts a
# Mosquitto of their own on 127.0.0.1:$MQTT_PORT (CARAVAN_BENCH_MQTT_PORT, default 18830), stopped on exit.
MQTT_PORT="${CARAVAN_BENCH_MQTT_PORT:-18830}"

install_packages() {
    [ "$(id -u)" -eq 0 ] || { echo "$* missing: install it or run as root" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

bash scripts/ensure-java.sh
command -v mosquitto >/dev/null || install_packages mosquitto
# One invocation, so that the hub's classpath names the modules it depends on as this build packaged them.
./mvnw -B -ntp -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath
BENCH_CLASSPATH="target/test-classes:target/classes:$(cat target/bench.classpath)"

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
