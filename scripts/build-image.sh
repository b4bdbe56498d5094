#!/usr/bin/env bash
# Builds the hub's or the edge agent's container image on the local engine, for its architecture (build the agent's on,
# or for, the device's architecture), packaging what it needs first if it is not built yet.
# Usage: scripts/build-image.sh hub|edge-agent [tag]
#   BASE_IMAGE: the Debian bookworm image to start from (default: the Dockerfile's, debian:12.12-slim from Docker Hub;
#   the test scripts pass the base they made with debootstrap, as no public registry is reachable there).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${1:?usage: scripts/build-image.sh hub|edge-agent [tag]}"
VERSION="$(./mvnw -q -N help:evaluate -Dexpression=project.version -DforceStdout)"
TAG="${2:-caravan/$IMAGE:$VERSION}"
case "$IMAGE" in
  hub)
    compgen -G "target/caravan-hub-$VERSION.jar" >/dev/null || ./mvnw -q -B -pl :caravan-hub -am package -DskipTests
    CONTEXT=.
    ;;
  edge-agent)
    CONTEXT=edge-agent/target/caravan-edge-agent/caravan-edge-agent
    [ -x "$CONTEXT/bin/caravan-edge-agent" ] || ./mvnw -q -B -pl edge-agent -am package -DskipTests
    ;;
  *)
    echo "no image $IMAGE: hub or edge-agent" >&2
    exit 2
    ;;
esac
BUILD_ARGS=()
[ -z "${BASE_IMAGE:-}" ] || BUILD_ARGS=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
# apt-get needs the host's network (sandboxed engines have no bridge).
docker build --network host "${BUILD_ARGS[@]}" -t "$TAG" -f "$CONTEXT/Dockerfile" "$CONTEXT"
echo "$TAG"
