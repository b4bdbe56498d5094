#!/usr/bin/env bash
# Build benchmark: a .deb through the hub (REST upload until the image is pushed) against `docker build` +
# `docker push` of the hub's own generated Dockerfile and context, then the same upload again (the hub reuses the
# image) against a cached `docker build` + `docker push`. One warm-up round, then 3 counted (median reported).
# Uses the Docker engine, registry and base image that scripts/services.sh starts and builds. Prints a table and
# writes bench/results/build-<date>-<commit>.{md,json}. Not a test: it does not run in .ci/run.
# Usage: bench/build.sh [rounds]    CARAVAN_BENCH_OUT writes the results elsewhere than bench/results.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"

. bench/prepare.sh
use_test_services

CARAVAN_BENCH_REGISTRY_PASSWORD="$CARAVAN_TEST_REGISTRY_PASSWORD" \
java -cp "$BENCH_CLASSPATH" caravan.bench.BuildBench \
    hubJar="$HUB_JAR" \
    registry="$CARAVAN_TEST_REGISTRY" registryUsername="$CARAVAN_TEST_REGISTRY_USERNAME" \
    baseImage="$CARAVAN_TEST_BASE_IMAGE" rounds="$ROUNDS" commit="$COMMIT" \
    engineVersion="Docker $(docker version --format '{{.Server.Version}}')" out="${CARAVAN_BENCH_OUT:-bench/results}"
