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
. bench/broker.sh
command -v node >/dev/null && command -v npm >/dev/null || install_packages nodejs npm
for peer in bench/peers/seed bench/peers/node-red; do
    # exactly the versions in package-lock.json
    (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
done

java -Xmx1g -cp "$BENCH_CLASSPATH" caravan.bench.TrajectoryBench \
    broker="tcp://127.0.0.1:$MQTT_PORT" hubJar="$HUB_JAR" \
    peers=bench/peers seconds="$SECONDS_PER_RUN" commit="$COMMIT" \
    brokerVersion="$(mosquitto -h 2>/dev/null | head -n 1)" out="${CARAVAN_BENCH_OUT:-bench/results}" \
    targets="${CARAVAN_BENCH_TARGETS:-ceiling,hub,seed,node-red}" quick="${CARAVAN_BENCH_QUICK:-false}" \
    hubJavaOpts="${CARAVAN_BENCH_HUB_JAVA_OPTS:-}"
