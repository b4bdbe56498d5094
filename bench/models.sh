#!/usr/bin/env bash
# Model benchmark: a policy model to a real device (an SSH user of scripts/services.sh whose supervisord runs the
# policy runner) through the hub, against scp + a symlink + a restart by hand; validation time by model size against
# loading the model alone in ONNX Runtime (the ceiling) and onnx.checker (the peer); 10 devices in parallel against
# 10 parallel scp. Prints a table and writes bench/results/models-<date>-<commit>.{md,json}. Not a test.
# Usage: bench/models.sh [rounds]    CARAVAN_BENCH_OUT writes the results elsewhere than bench/results.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"

. bench/prepare.sh
use_test_services
MODELS="$(mktemp -d /var/tmp/caravan-bench-models.XXXX)"
trap 'rm -rf "$MODELS"' EXIT
/usr/bin/python3 scripts/models/make-test-models.py "$MODELS" --sizes-mb 1,10,100

java -cp "$BENCH_CLASSPATH" caravan.bench.ModelBench \
    hubJar="$HUB_JAR" models="$MODELS" rounds="$ROUNDS" \
    commit="$COMMIT" sshVersion="$(ssh -V 2>&1)" out="${CARAVAN_BENCH_OUT:-bench/results}"
