#!/usr/bin/env bash
# Model benchmark: a policy model to a real device (an SSH user of scripts/services.sh whose supervisord runs the
# policy runner) through the hub, against scp + a symlink + a restart by hand; validation time by model size against
# loading the model alone in ONNX Runtime (the ceiling) and onnx.checker (the peer); 10 devices in parallel against
# 10 parallel scp. Prints a table and writes bench/results/models-<date>-<commit>.{md,json}. Not a test.
# Usage: bench/models.sh [rounds]    CARAVAN_BENCH_OUT writes the results elsewhere than bench/results.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"

bash scripts/ensure-java.sh
bash scripts/services.sh
set -a
# shellcheck disable=SC1091
. "${CARAVAN_SERVICES_DIR:-/var/tmp/caravan-services}/env"
set +a
MODELS="$(mktemp -d /var/tmp/caravan-bench-models.XXXX)"
trap 'rm -rf "$MODELS"' EXIT
/usr/bin/python3 scripts/models/make-test-models.py "$MODELS" --sizes-mb 1,10,100
./mvnw -B -ntp -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath

java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" caravan.bench.ModelBench \
    hubJar="$(ls target/caravan-hub-*.jar | head -n 1)" models="$MODELS" rounds="$ROUNDS" \
    commit="$(git rev-parse --short HEAD)" sshVersion="$(ssh -V 2>&1)" out="${CARAVAN_BENCH_OUT:-bench/results}"
