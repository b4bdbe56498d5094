#!/usr/bin/env bash
# Resident memory of the packaged edge agent, idle with the simulator running and heartbeating, as on a device.
# Goal: under 150 MB. Needs a broker (CARAVAN_AGENT_BROKER_URL, default tcp://127.0.0.1:1883) and a Docker engine.
# Usage: bench/edge-agent-footprint.sh [seconds-to-run]   (build first: ./mvnw -q package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-120}"
AGENT=edge-agent/target/caravan-edge-agent/caravan-edge-agent/bin/caravan-edge-agent
[ -x "$AGENT" ] || { echo "no $AGENT: run ./mvnw -q package -DskipTests first" >&2; exit 1; }
STATE=$(mktemp -d)
LOG=$(mktemp)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$STATE" "$LOG"' EXIT

# The agent needs a hub's command key to start; no command is sent, so a throwaway key pair serves.
COMMAND_KEY="$(openssl ecparam -name prime256v1 -genkey -noout | openssl ec -pubout 2>/dev/null)"
CARAVAN_AGENT_EDGE_ID="bench-$$" CARAVAN_AGENT_STATE_DIR="$STATE" CARAVAN_AGENT_CONTAINER_NAME="bench-provider-$$" \
    CARAVAN_AGENT_COMMAND_KEY="$COMMAND_KEY" CARAVAN_AGENT_BROKER_URL="${CARAVAN_AGENT_BROKER_URL:-tcp://127.0.0.1:1883}" \
    "$AGENT" >"$LOG" 2>&1 &
PID=$!

peak=0
for ((i = 0; i < SECONDS_TO_RUN; i++)); do
    sleep 1
    kill -0 "$PID" 2>/dev/null || { echo "agent exited:" >&2; tail -20 "$LOG" >&2; exit 1; }
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
    (( rss > peak )) && peak=$rss
done
grep -q "Started agent-heartbeat" "$LOG" || { echo "agent did not start its routes" >&2; tail -20 "$LOG" >&2; exit 1; }
result="$(date -u +%Y-%m-%dT%H:%M:%SZ) $(java -version 2>&1 | head -1) $(uname -m): edge agent resident after ${SECONDS_TO_RUN} s: $((rss / 1024)) MB, peak $((peak / 1024)) MB (goal < 150 MB)"
echo "$result"
echo "$result" >> bench/results/edge-agent-footprint.txt
