#!/usr/bin/env bash
# Device benchmark: thousands of simulated camera devices (caravan.testing.DeviceSimulator) streaming from one hub
# on the test services' PostgreSQL and Mosquitto, against the same devices on a plain Spring SseEmitter service with
# no persistence (peers.PlainSseHub): memory per 1,000 streams, trigger-to-event latency p50/p99 at a steady
# rate while 10 % of the devices reconnect, and what was lost or read twice. Prints a table and writes
# bench/results/devices-<date>-<commit>.{md,json}. Not a test.
# Usage: bench/devices.sh [devices] [triggers-per-second, several comma-separated] [seconds at each]    CARAVAN_BENCH_OUT writes elsewhere,
# CARAVAN_BENCH_TARGETS=hub runs one target, CARAVAN_BENCH_HUB_JAVA_OPTS adds JVM options to the hub (a JFR recording).
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES="${1:-5000}"
RATES="${2:-50,100,200}"
SECONDS_OF_LOAD="${3:-60}"

. bench/prepare.sh
use_test_services

java -Xmx2g -cp "$BENCH_CLASSPATH" caravan.bench.DeviceBench \
    devices="$DEVICES" rates="$RATES" seconds="$SECONDS_OF_LOAD" reconnectShare=0.1 \
    commit="$COMMIT" out="${CARAVAN_BENCH_OUT:-bench/results}" targets="${CARAVAN_BENCH_TARGETS:-hub,peer}" \
    hubJavaOpts="${CARAVAN_BENCH_HUB_JAVA_OPTS:-}"
