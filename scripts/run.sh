#!/usr/bin/env bash
# The README's run command: the hub on embedded defaults (H2 database, embedded MQTT 5 broker, ./caravan-data).
# Environment variables in README.md point it at external services instead.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-java.sh
# compile first: the hub runs against the modules it depends on as this build compiled them
exec ./mvnw -B -ntp -q -pl :caravan-hub -am compile spring-boot:run -Dspring-boot.run.profiles="${CARAVAN_PROFILES:-dev}" "$@"
