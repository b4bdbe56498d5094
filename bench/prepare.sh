# Sourced by every benchmark script: Java, the project built once with its test classpath in $BENCH_CLASSPATH (one
# invocation, so that the hub's classpath names the modules it depends on as this build packaged them), and the
# helpers below.
install_packages() {
    [ "$(id -u)" -eq 0 ] || { echo "$* missing: install it or run as root" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The test services of scripts/services.sh (Docker, registry, PostgreSQL, Mosquitto, OpenSSH), their endpoints exported.
use_test_services() {
    bash scripts/services.sh
    set -a
    # shellcheck disable=SC1091
    . "${CARAVAN_SERVICES_DIR:-/var/tmp/caravan-services}/env"
    set +a
}

bash scripts/ensure-java.sh
./mvnw -B -ntp -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath
BENCH_CLASSPATH="target/test-classes:target/classes:$(cat target/bench.classpath)"
HUB_JAR="$(ls target/caravan-hub-*.jar | head -n 1)"
COMMIT="$(git rev-parse --short HEAD)"
