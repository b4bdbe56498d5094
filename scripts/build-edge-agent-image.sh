#!/usr/bin/env bash
# Builds the edge agent's container image from the packaged agent (edge-agent/target/caravan-edge-agent/), on the local
# engine and for its architecture: build it on (or for) the device's architecture.
# Usage: scripts/build-edge-agent-image.sh [tag]   BASE_IMAGE picks the Debian bookworm image it starts from.
set -euo pipefail
cd "$(dirname "$0")/.."
TAG="${1:-caravan/edge-agent:$(./mvnw -q -N help:evaluate -Dexpression=project.version -DforceStdout)}"
BASE_IMAGE="${BASE_IMAGE:-debian:bookworm-slim}"
AGENT_DIR=edge-agent/target/caravan-edge-agent/caravan-edge-agent
if [ ! -x "$AGENT_DIR/bin/caravan-edge-agent" ]; then
  ./mvnw -q -B -pl edge-agent -am package -DskipTests
fi
# The agent directory is the build context; apt-get needs the host's network (no bridge on sandboxed engines).
docker build --network host --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$TAG" -f "$AGENT_DIR/Dockerfile" "$AGENT_DIR"
echo "$TAG"
