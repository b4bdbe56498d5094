#!/usr/bin/env bash
# Fleet benchmark: hubs (the jar, each a process of its own, sharing the test services' PostgreSQL and Mosquitto as a
# cluster's hubs do) and a fleet of simulated edge agents in one JVM (caravan.bench.FleetAgent), each registered with
# a broker credential of its own, heartbeating and taking only the hubs' signed commands as the real agent does: the
# time to register and connect the fleet, a deployment group of one provider to every edge in waves held to the health
# gate (per wave: when it started and how long until all its edges reported healthy; the whole rollout), and the CPU
# and memory of each hub, the broker and the agents' JVM in each phase. Prints a table and writes
# bench/results/fleet-<date>-<commit>.{md,json}. Not a test.
# Usage: bench/fleet.sh [agents] [hubs] [wave: edges, or a share of the agents like 10%] [gate-seconds]
#        [heartbeat-seconds] [idle-seconds]    (defaults 1000 2 10% 5 10 60)    CARAVAN_BENCH_OUT writes elsewhere,
#        CARAVAN_BENCH_HUB_JAVA_OPTS adds JVM options to the hubs (a JFR recording).
set -euo pipefail
cd "$(dirname "$0")/.."
AGENTS="${1:-1000}"
HUBS="${2:-2}"
WAVE="${3:-10%}"
GATE_SECONDS="${4:-5}"
HEARTBEAT_SECONDS="${5:-10}"
IDLE_SECONDS="${6:-60}"

. bench/prepare.sh
use_test_services
# The broker scripts/services.sh started, sampled beside the hubs; empty if another broker holds its port.
BROKER_PID="$(pgrep -o -f "mosquitto -c ${CARAVAN_SERVICES_DIR:-/var/tmp/caravan-services}/mosquitto/mosquitto.conf" || true)"

java -Xmx1g -cp "$BENCH_CLASSPATH" caravan.bench.FleetBench \
    agents="$AGENTS" hubs="$HUBS" wave="$WAVE" gateSeconds="$GATE_SECONDS" heartbeatSeconds="$HEARTBEAT_SECONDS" \
    idleSeconds="$IDLE_SECONDS" connectConcurrency=50 maxFailures=1 brokerPid="$BROKER_PID" \
    brokerVersion="$(mosquitto -h 2>/dev/null | head -n 1)" commit="$COMMIT" out="${CARAVAN_BENCH_OUT:-bench/results}" \
    hubJavaOpts="${CARAVAN_BENCH_HUB_JAVA_OPTS:-}"
