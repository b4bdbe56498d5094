#!/usr/bin/env bash
# The README's test command: starts the real services the suite needs, then runs unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-java.sh
bash scripts/services.sh
set -a
# shellcheck disable=SC1091
. "${CARAVAN_SERVICES_DIR:-/var/tmp/caravan-services}/env"
set +a
exec ./mvnw -B -ntp verify "$@"
