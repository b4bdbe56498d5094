#!/usr/bin/env bash
# MQTT client benchmark: what Paho (as the hub's intake uses it) and the HiveMQ client each cost per message they
# receive, subscribed at QoS 1 in a JVM of their own to the trajectory benchmark's messages at 5k, 10k and 20k
# msg/s, QoS 0 and 1, through a Mosquitto of its own on loopback. Prints a table and writes
# bench/results/mqtt-clients-<date>-<commit>.{md,json}. Not a test: it does not run in .ci/run.
# Usage: bench/mqtt-clients.sh [seconds-per-run]   (12 runs; 20 s each by default, about 5 minutes in all)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-20}"
. bench/broker.sh

java -Xmx1g -cp "$BENCH_CLASSPATH" caravan.bench.MqttClientBench \
    broker="tcp://127.0.0.1:$MQTT_PORT" seconds="$SECONDS_PER_RUN" commit="$COMMIT" \
    brokerVersion="$(mosquitto -h 2>/dev/null | head -n 1)" out="${CARAVAN_BENCH_OUT:-bench/results}"
