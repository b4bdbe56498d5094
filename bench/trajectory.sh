#!/usr/bin/env bash
# Trajectory benchmark: the same generated reference-format messages through a Mosquitto of its own on loopback,
# to a bare subscriber (the ceiling), through the hub (mapping, validation, WebSocket, storage, alerts), through
# the seed-style Node.js service (peer 1) and through Node-RED (peer 2) to their browser clients; QoS 0 and 1,
# fixed rates and a ramp, then clients and edges scaled. Prints a table and writes
# bench/results/trajectory-<date>-<commit>.{md,json}. Not a test: it does not run in .ci/run.
# Usage: bench/trajectory.sh [seconds-per-run]   (about 60 runs; 10 s each by default, about 25 minutes in all)
# CARAVAN_BENCH_TARGETS (default ceiling,hub,seed,node-red) picks targets; CARAVAN_BENCH_QUICK=true runs only the
# runs that the goals name (for profiling); CARAVAN_BENCH_HUB_JAVA_OPTS passes JVM options to the hub (a JFR
# recording); CARAVAN_BENCH_OUT writes the results elsewhere than bench/results.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
MQTT_PORT="${CARAVAN_BENCH_MQTT_PORT:-18830}"

install_packages() {
    [ "$(id -u)" -eq 0 ] || { echo "$* missing: install it or run as root" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

bash scripts/ensure-java.sh
command -v mosquitto >/dev/null || install_packages mosquitto
command -v node >/dev/null && command -v npm >/dev/null || install_packages nodejs npm
for peer in bench/peers/seed bench/peers/node-red; do
    # exactly the versions in package-lock.json
    (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
done
./mvnw -B -ntp -q -DskipTests package
./mvnw -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath

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

java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" caravan.bench.TrajectoryBench \
    broker="tcp://127.0.0.1:$MQTT_PORT" hubJar="$(ls target/caravan-hub-*.jar | grep -v edge-agent | head -n 1)" \
    peers=bench/peers seconds="$SECONDS_PER_RUN" commit="$(git rev-parse --short HEAD)" \
    brokerVersion="$(mosquitto -h 2>/dev/null | head -n 1)" out="${CARAVAN_BENCH_OUT:-bench/results}" \
    targets="${CARAVAN_BENCH_TARGETS:-ceiling,hub,seed,node-red}" quick="${CARAVAN_BENCH_QUICK:-false}" \
    hubJavaOpts="${CARAVAN_BENCH_HUB_JAVA_OPTS:-}"
