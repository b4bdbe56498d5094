#!/usr/bin/env bash
# Installs (where missing) and starts the real services the test suite talks to:
# Docker engine, a registry with htpasswd auth, Mosquitto, PostgreSQL and a locally built base image.
# Every step is idempotent and reuses what already runs. Writes the endpoints to $CARAVAN_SERVICES_DIR/env.
set -euo pipefail

STATE_DIR="${CARAVAN_SERVICES_DIR:-/var/tmp/caravan-services}"
REGISTRY_PORT="${CARAVAN_TEST_REGISTRY_PORT:-5000}"
MQTT_PORT="${CARAVAN_TEST_MQTT_PORT:-1883}"
MQTT_TLS_PORT="${CARAVAN_TEST_MQTT_TLS_PORT:-8883}"
PG_PORT="${CARAVAN_TEST_PG_PORT:-5432}"
SSH_PORT="${CARAVAN_TEST_SSH_PORT:-2222}"
DOCKER_TLS_PORT="${CARAVAN_TEST_DOCKER_TLS_PORT:-2376}"
ZIPKIN_PORT="${CARAVAN_TEST_ZIPKIN_PORT:-9411}"
ZIPKIN_VERSION=3.6.1
BASE_IMAGE="${CARAVAN_TEST_BASE_IMAGE:-caravan/base:bookworm}"
DEBIAN_MIRROR="${CARAVAN_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$STATE_DIR"
chmod 711 "$STATE_DIR" # postgres must reach its data dir inside; secrets are 600

log() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

apt_updated=""
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages ${missing[*]}: install them or run this script as root"
  if [ -z "$apt_updated" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  # The packages' own services (sshd on *:22 above all) must not start: this script starts each on loopback.
  local policy=/usr/sbin/policy-rc.d made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f "$policy"; fi
}

wait_for() { # description, seconds, command...
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq 1 "$((seconds * 4))"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "$what did not come up within ${seconds}s (see logs in $STATE_DIR)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

random_secret() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

ensure_packages ca-certificates curl docker.io docker-registry apache2-utils mosquitto mosquitto-clients \
  postgresql debootstrap dpkg-dev openssl chromium openssh-server openssh-client \
  python3-onnx libonnx-testdata supervisor docker-compose

# --- Debian's kubectl, unpacked beside any other the machine has: the Kubernetes manifests' test renders with it ---
KUBECTL="$STATE_DIR/kubernetes-client/usr/bin/kubectl"
if [ ! -x "$KUBECTL" ]; then
  log "unpacking Debian's kubernetes-client"
  rm -rf "$STATE_DIR/kubernetes-client" "$STATE_DIR"/kubernetes-client_*.deb
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  (cd "$STATE_DIR" && apt-get download kubernetes-client) >/dev/null 2>&1 || die "apt-get download kubernetes-client failed"
  dpkg-deb -x "$STATE_DIR"/kubernetes-client_*.deb "$STATE_DIR/kubernetes-client"
  rm -f "$STATE_DIR"/kubernetes-client_*.deb
fi

# --- TLS --------------------------------------------------------------------
# A CA of the tests' own, a server certificate it signed for 127.0.0.1 and localhost (the hub's HTTPS and the
# brokers' TLS listeners), and another CA that signed nothing here, to show a wrong CA is refused.
TLS_DIR="$STATE_DIR/tls"
mkdir -p "$TLS_DIR"
chmod 700 "$TLS_DIR"
make_ca() {
  [ -s "$TLS_DIR/$1.pem" ] && return
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=Caravan tests $1" \
    -keyout "$TLS_DIR/$1.key" -out "$TLS_DIR/$1.pem" 2>/dev/null || die "openssl could not make the test CA $1"
}
make_ca ca
make_ca other-ca
if [ ! -s "$TLS_DIR/server.pem" ]; then
  log "making the test server certificate (127.0.0.1, localhost)"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" 2>/dev/null || die "openssl could not make a key"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$TLS_DIR/server.ext"
  openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" -CAcreateserial \
    -days 3650 -extfile "$TLS_DIR/server.ext" -out "$TLS_DIR/server.pem" 2>/dev/null ||
    die "openssl could not sign the test server certificate"
fi

# Client certificates for the engine's TLS listener: one the test CA signed, one the other CA signed (refused).
make_client_cert() { # name, signing CA
  [ -s "$TLS_DIR/$1.pem" ] && return
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=caravan-hub $1" \
    -keyout "$TLS_DIR/$1.key" -out "$TLS_DIR/$1.csr" 2>/dev/null || die "openssl could not make a key"
  printf 'extendedKeyUsage=clientAuth\n' >"$TLS_DIR/client.ext"
  openssl x509 -req -in "$TLS_DIR/$1.csr" -CA "$TLS_DIR/$2.pem" -CAkey "$TLS_DIR/$2.key" -CAcreateserial \
    -days 3650 -extfile "$TLS_DIR/client.ext" -out "$TLS_DIR/$1.pem" 2>/dev/null ||
    die "openssl could not sign the client certificate $1"
}
make_client_cert client ca
make_client_cert other-client other-ca

# --- Docker engine ---------------------------------------------------------
# Besides its socket, the engine listens on 127.0.0.1 over TCP with mutual TLS, as a cloud VM's dockerd --tlsverify
# does: its certificate is the test CA's, and only clients with a certificate that CA signed get in.
docker_tls_answers() {
  curl -sf --max-time 5 --cacert "$TLS_DIR/ca.pem" --cert "$TLS_DIR/client.pem" --key "$TLS_DIR/client.key" \
    "https://127.0.0.1:$DOCKER_TLS_PORT/_ping" >/dev/null
}
start_dockerd() {
  log "starting dockerd (vfs storage, host networking only, TLS listener on 127.0.0.1:$DOCKER_TLS_PORT)"
  port_open "$DOCKER_TLS_PORT" && die "port $DOCKER_TLS_PORT is taken; set CARAVAN_TEST_DOCKER_TLS_PORT"
  setsid nohup dockerd --storage-driver=vfs --iptables=false --ip-masq=false --bridge=none \
    --data-root "$STATE_DIR/docker" -H unix:///var/run/docker.sock -H "tcp://127.0.0.1:$DOCKER_TLS_PORT" \
    --tlsverify --tlscacert "$TLS_DIR/ca.pem" --tlscert "$TLS_DIR/server.pem" --tlskey "$TLS_DIR/server.key" \
    >"$STATE_DIR/dockerd.log" 2>&1 &
  wait_for "dockerd" 60 docker info
  wait_for "dockerd's TLS listener" 30 docker_tls_answers
}
if docker info >/dev/null 2>&1 && docker_tls_answers; then
  log "Docker engine already running: $(docker info --format '{{.ServerVersion}} ({{.Driver}})'), TLS on 127.0.0.1:$DOCKER_TLS_PORT"
elif docker info >/dev/null 2>&1; then
  pkill -f "dockerd .*--data-root $STATE_DIR/docker" ||
    die "the running Docker engine has no TLS listener on 127.0.0.1:$DOCKER_TLS_PORT and is not one this script started: stop it, and this script starts one that has"
  log "restarting the Docker engine this script started, to give it its TLS listener"
  for _ in $(seq 1 240); do pgrep -f "dockerd .*--data-root $STATE_DIR/docker" >/dev/null || break; sleep 0.25; done
  start_dockerd
else
  start_dockerd
fi

# --- Registry with htpasswd auth -------------------------------------------
REGISTRY_USER=caravan
if [ ! -s "$STATE_DIR/registry.password" ]; then
  random_secret >"$STATE_DIR/registry.password"
  chmod 600 "$STATE_DIR/registry.password"
fi
REGISTRY_PASSWORD="$(cat "$STATE_DIR/registry.password")"
if [ ! -s "$STATE_DIR/registry.htpasswd" ] ||
   ! htpasswd -vbB "$STATE_DIR/registry.htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >/dev/null 2>&1; then
  htpasswd -cbB "$STATE_DIR/registry.htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" 2>/dev/null
fi
registry_answers() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' -u "$REGISTRY_USER:$REGISTRY_PASSWORD" "http://127.0.0.1:$REGISTRY_PORT/v2/")" = 200 ]
}
if registry_answers; then
  log "registry already running on 127.0.0.1:$REGISTRY_PORT"
else
  port_open "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by something that does not accept our registry credentials; set CARAVAN_TEST_REGISTRY_PORT"
  mkdir -p "$STATE_DIR/registry-data"
  cat >"$STATE_DIR/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
auth:
  htpasswd:
    realm: caravan-test-registry
    path: $STATE_DIR/registry.htpasswd
EOF
  log "starting docker-registry on 127.0.0.1:$REGISTRY_PORT (htpasswd auth)"
  setsid nohup docker-registry serve "$STATE_DIR/registry.yml" >"$STATE_DIR/registry.log" 2>&1 &
  wait_for "docker-registry" 30 registry_answers
fi

# --- Mosquitto --------------------------------------------------------------
# As the hub expects its broker: no anonymous clients, the hub's account administering the dynamic security plugin.
MQTT_USER=caravan-hub
MQTT_DIR="$STATE_DIR/mosquitto"
if [ ! -s "$STATE_DIR/mqtt.password" ]; then
  random_secret >"$STATE_DIR/mqtt.password"
  chmod 600 "$STATE_DIR/mqtt.password"
fi
MQTT_PASSWORD="$(cat "$STATE_DIR/mqtt.password")"
anonymous_accepted() { mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -t caravan/services-probe -n >/dev/null 2>&1; }
if port_open "$MQTT_PORT" && { anonymous_accepted || ! port_open "$MQTT_TLS_PORT"; }; then
  log "the MQTT broker on 127.0.0.1:$MQTT_PORT lets anonymous clients in or has no TLS listener: replacing it"
  pkill -f "mosquitto -c $STATE_DIR/mosquitto" ||
    die "the broker on 127.0.0.1:$MQTT_PORT is not one this script started: stop it, or choose another port"
  for _ in $(seq 1 40); do port_open "$MQTT_PORT" || break; sleep 0.25; done
fi
if port_open "$MQTT_PORT"; then
  log "MQTT broker already listening on 127.0.0.1:$MQTT_PORT"
else
  bash "$(dirname "$0")/mosquitto-conf.sh" "$MQTT_DIR" "$MQTT_PORT" "$MQTT_USER" "$STATE_DIR/mqtt.password" \
    "$MQTT_TLS_PORT" "$TLS_DIR/server.pem" "$TLS_DIR/server.key"
  log "starting mosquitto on 127.0.0.1:$MQTT_PORT and TLS on $MQTT_TLS_PORT (dynamic security, no anonymous clients)"
  setsid nohup mosquitto -c "$MQTT_DIR/mosquitto.conf" >"$STATE_DIR/mosquitto.log" 2>&1 &
  wait_for "mosquitto" 15 port_open "$MQTT_TLS_PORT"
fi

# --- PostgreSQL --------------------------------------------------------------
PG_USER=caravan
PG_DB=caravan_test
if [ ! -s "$STATE_DIR/postgres.password" ]; then
  random_secret >"$STATE_DIR/postgres.password"
  chmod 600 "$STATE_DIR/postgres.password"
fi
PG_PASSWORD="$(cat "$STATE_DIR/postgres.password")"
pg_login() { PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tAc 'select 1'; }
if ! pg_isready -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  PG_DATA="$STATE_DIR/postgres"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    install -d -o postgres -g postgres -m 700 "$PG_DATA"
    pwfile="$PG_DATA.pwfile"
    install -o postgres -m 600 /dev/null "$pwfile"
    echo "$PG_PASSWORD" >"$pwfile"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -A scram-sha-256 --pwfile="$pwfile" -U postgres >/dev/null
    rm -f "$pwfile"
  fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DATA -c max_connections=200" start >/dev/null
  export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=postgres PGPASSWORD="$PG_PASSWORD"
else
  log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
fi
if ! pg_login >/dev/null 2>&1; then
  # Role and database are created with the superuser of the cluster we started, or over the local socket.
  admin_psql() {
    if [ -n "${PGUSER:-}" ]; then psql -v ON_ERROR_STOP=1 -d postgres "$@";
    else runuser -u postgres -- psql -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"; fi
  }
  admin_psql -q -v pw="$PG_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE caravan LOGIN PASSWORD %L', :'pw') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'caravan') \gexec
SELECT format('ALTER ROLE caravan PASSWORD %L', :'pw') \gexec
SELECT 'CREATE DATABASE caravan_test OWNER caravan' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'caravan_test') \gexec
SQL
  pg_login >/dev/null || die "cannot log in to PostgreSQL as $PG_USER"
fi
unset PGHOST PGPORT PGUSER PGPASSWORD

# --- OpenSSH: an agentless edge on a loopback port ---------------------------
# Its own host key and config; a user in the docker group who logs in with a generated key or a password.
SSH_DIR="$STATE_DIR/ssh"
SSH_USER=caravan-edge
mkdir -p "$SSH_DIR"
chmod 700 "$SSH_DIR"
[ -s "$SSH_DIR/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C caravan-test-edge -f "$SSH_DIR/ssh_host_ed25519_key"
[ -s "$SSH_DIR/client_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C caravan-test-hub -f "$SSH_DIR/client_ed25519_key"
if [ ! -s "$SSH_DIR/user.password" ]; then
  random_secret >"$SSH_DIR/user.password"
  chmod 600 "$SSH_DIR/user.password"
fi
SSH_PASSWORD="$(cat "$SSH_DIR/user.password")"
id "$SSH_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh --groups docker "$SSH_USER"
printf '%s:%s\n' "$SSH_USER" "$SSH_PASSWORD" | chpasswd
SSH_HOME="$(getent passwd "$SSH_USER" | cut -d: -f6)"
install -d -o "$SSH_USER" -g "$SSH_USER" -m 700 "$SSH_HOME/.ssh"
install -o "$SSH_USER" -g "$SSH_USER" -m 600 "$SSH_DIR/client_ed25519_key.pub" "$SSH_HOME/.ssh/authorized_keys"
# A witness first on the edge user's PATH: every docker command line the hub runs there, as any user of the edge could
# read it in ps, goes to a log the tests read (secrets must never be in it).
EDGE_BIN="$SSH_HOME/witness-bin"
install -d -o root -g root -m 755 "$EDGE_BIN"
DOCKER_WITNESS_LOG="$SSH_HOME/docker-command-lines.log"
cat >"$EDGE_BIN/docker" <<EOF
#!/bin/sh
printf '%s\\n' "docker \$*" >>"$DOCKER_WITNESS_LOG"
exec /usr/bin/docker "\$@"
EOF
chmod 755 "$EDGE_BIN/docker"
install -o "$SSH_USER" -g "$SSH_USER" -m 600 /dev/null "$DOCKER_WITNESS_LOG"
# Two model devices (Jetson-class robots in production): plain users, no Docker, each with its own service manager.
DEVICE_USERS="caravan-device-1 caravan-device-2"
if [ ! -s "$SSH_DIR/device.password" ]; then
  random_secret >"$SSH_DIR/device.password"
  chmod 600 "$SSH_DIR/device.password"
fi
DEVICE_PASSWORD="$(cat "$SSH_DIR/device.password")"
for device in $DEVICE_USERS; do
  id "$device" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$device"
  printf '%s:%s\n' "$device" "$DEVICE_PASSWORD" | chpasswd
  device_home="$(getent passwd "$device" | cut -d: -f6)"
  install -d -o "$device" -g "$device" -m 700 "$device_home/.ssh"
  install -o "$device" -g "$device" -m 600 "$SSH_DIR/client_ed25519_key.pub" "$device_home/.ssh/authorized_keys"
done
cat >"$SSH_DIR/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH_DIR/ssh_host_ed25519_key
PidFile $SSH_DIR/sshd.pid
AllowUsers $SSH_USER $DEVICE_USERS
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile .ssh/authorized_keys
# Every hub under test probes its SSH edges in parallel: don't drop logins that are still in key exchange
MaxStartups 100:30:200
Subsystem sftp internal-sftp
LogLevel VERBOSE
Match User $SSH_USER
  SetEnv PATH=$EDGE_BIN:/usr/local/bin:/usr/bin:/bin
EOF
sshd_ours() { [ -s "$SSH_DIR/sshd.pid" ] && kill -0 "$(cat "$SSH_DIR/sshd.pid")" 2>/dev/null; }
if sshd_ours; then
  log "sshd already running on 127.0.0.1:$SSH_PORT; reloading its configuration"
  /usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" || die "sshd rejects $SSH_DIR/sshd_config"
  kill -HUP "$(cat "$SSH_DIR/sshd.pid")"
else
  port_open "$SSH_PORT" && die "port $SSH_PORT is taken by something other than our sshd; set CARAVAN_TEST_SSH_PORT"
  mkdir -p /run/sshd
  /usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" || die "sshd rejects $SSH_DIR/sshd_config"
  log "starting sshd on 127.0.0.1:$SSH_PORT (user $SSH_USER)"
  /usr/sbin/sshd -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log"
  wait_for "sshd" 15 port_open "$SSH_PORT"
fi

# --- supervisor: each device user's service manager, as systemd is a Jetson's --
# The tests install the policy runner as its duck_policy program; supervisorctl restarts it over SSH.
for device in $DEVICE_USERS; do
  device_home="$(getent passwd "$device" | cut -d: -f6)"
  sup="$device_home/supervisor"
  install -d -o "$device" -g "$device" -m 700 "$sup" "$sup/conf.d" "$sup/logs"
  cat >"$sup/supervisord.conf" <<EOF
[unix_http_server]
file=$sup/supervisor.sock
chmod=0700

[supervisord]
logfile=$sup/supervisord.log
pidfile=$sup/supervisord.pid
childlogdir=$sup/logs

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$sup/supervisor.sock

[include]
files = $sup/conf.d/*.conf
EOF
  chown "$device:" "$sup/supervisord.conf"
  if su -s /bin/sh "$device" -c "supervisorctl -c '$sup/supervisord.conf' pid" 2>/dev/null | grep -q '^[0-9]'; then
    log "supervisord of $device already running"
  else
    log "starting supervisord for $device"
    su -s /bin/sh "$device" -c "supervisord -c '$sup/supervisord.conf'" || die "supervisord for $device did not start"
    wait_for "supervisord of $device" 15 su -s /bin/sh "$device" -c "supervisorctl -c '$sup/supervisord.conf' pid"
  fi
done

# --- Zipkin: the traces the hubs export, from its executable jar on Maven Central ---------------------------------
ZIPKIN_DIR="$STATE_DIR/zipkin"
ZIPKIN_JAR="$ZIPKIN_DIR/zipkin-server-$ZIPKIN_VERSION-exec.jar"
mkdir -p "$ZIPKIN_DIR"
if [ ! -s "$ZIPKIN_JAR" ]; then
  log "downloading Zipkin $ZIPKIN_VERSION"
  central="https://repo1.maven.org/maven2/io/zipkin/zipkin-server/$ZIPKIN_VERSION/zipkin-server-$ZIPKIN_VERSION-exec.jar"
  curl --fail --silent --show-error --location --output "$ZIPKIN_JAR.part" "$central" || die "could not download $central"
  expected="$(curl --fail --silent --show-error "$central.sha1")" || die "could not download $central.sha1"
  [ "$(sha1sum "$ZIPKIN_JAR.part" | cut -d' ' -f1)" = "$expected" ] || die "$central does not match its checksum"
  mv "$ZIPKIN_JAR.part" "$ZIPKIN_JAR"
fi
zipkin_answers() { curl --fail --silent --output /dev/null "http://127.0.0.1:$ZIPKIN_PORT/health"; }
if zipkin_answers; then
  log "zipkin already running on 127.0.0.1:$ZIPKIN_PORT"
else
  port_open "$ZIPKIN_PORT" && die "port $ZIPKIN_PORT is taken by something other than Zipkin; set CARAVAN_TEST_ZIPKIN_PORT"
  log "starting zipkin on 127.0.0.1:$ZIPKIN_PORT"
  # in memory, on loopback only
  STORAGE_TYPE=mem nohup java -Xmx256m -jar "$ZIPKIN_JAR" --armeria.ports[0].port="$ZIPKIN_PORT" \
    --armeria.ports[0].ip=127.0.0.1 --armeria.ports[0].protocols[0]=http >"$ZIPKIN_DIR/zipkin.log" 2>&1 &
  wait_for "zipkin" 90 zipkin_answers
fi

# --- ONNX models for the tests: small policies and one broken model per reason for rejection ---
MODELS_DIR="$STATE_DIR/models"
log "building test models in $MODELS_DIR"
/usr/bin/python3 "$(dirname "$0")/models/make-test-models.py" "$MODELS_DIR" || die "building the test models failed"

# --- Base image (no public registry is reachable: build it with debootstrap) ---
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE present"
else
  ROOTFS_TAR="$STATE_DIR/bookworm-minbase.tar"
  if [ ! -s "$ROOTFS_TAR" ]; then
    log "debootstrapping bookworm (minbase) for $BASE_IMAGE"
    rootfs="$(mktemp -d "$STATE_DIR/rootfs.XXXX")"
    debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$STATE_DIR/debootstrap.log" 2>&1 ||
      die "debootstrap failed, see $STATE_DIR/debootstrap.log"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    chmod 755 "$rootfs" # mktemp made it 0700: it becomes the image's /, which non-root users must traverse
    tar -C "$rootfs" -c . >"$ROOTFS_TAR.partial"
    mv "$ROOTFS_TAR.partial" "$ROOTFS_TAR"
    rm -rf "$rootfs"
  fi
  log "importing $BASE_IMAGE"
  docker import "$ROOTFS_TAR" "$BASE_IMAGE" >/dev/null
fi

# --- A real Debian package, for the test that no synthetic package stands in for ---
REAL_DEB_DIR="$STATE_DIR/real-debs"
if ! ls "$REAL_DEB_DIR"/hello_*.deb >/dev/null 2>&1; then
  mkdir -p "$REAL_DEB_DIR"
  log "downloading Debian's hello package"
  (cd "$REAL_DEB_DIR" && { apt-get download hello >/dev/null 2>&1 || { apt-get update -qq && apt-get download hello >/dev/null 2>&1; }; }) ||
    die "apt-get download hello failed"
fi
REAL_DEB="$(ls "$REAL_DEB_DIR"/hello_*.deb | head -n 1)"

cat >"$STATE_DIR/env" <<EOF
CARAVAN_TEST_REGISTRY=127.0.0.1:$REGISTRY_PORT
CARAVAN_TEST_REGISTRY_USERNAME=$REGISTRY_USER
CARAVAN_TEST_REGISTRY_PASSWORD=$REGISTRY_PASSWORD
CARAVAN_TEST_MQTT_URL=tcp://127.0.0.1:$MQTT_PORT
CARAVAN_TEST_MQTT_USERNAME=$MQTT_USER
CARAVAN_TEST_MQTT_PASSWORD=$MQTT_PASSWORD
CARAVAN_TEST_MQTT_TLS_URL=ssl://127.0.0.1:$MQTT_TLS_PORT
CARAVAN_TEST_TLS_CA=$TLS_DIR/ca.pem
CARAVAN_TEST_TLS_OTHER_CA=$TLS_DIR/other-ca.pem
CARAVAN_TEST_TLS_CERT=$TLS_DIR/server.pem
CARAVAN_TEST_TLS_KEY=$TLS_DIR/server.key
CARAVAN_TEST_TLS_CLIENT_CERT=$TLS_DIR/client.pem
CARAVAN_TEST_TLS_CLIENT_KEY=$TLS_DIR/client.key
CARAVAN_TEST_TLS_OTHER_CLIENT_CERT=$TLS_DIR/other-client.pem
CARAVAN_TEST_TLS_OTHER_CLIENT_KEY=$TLS_DIR/other-client.key
CARAVAN_TEST_DOCKER_TLS_HOST=tcp://127.0.0.1:$DOCKER_TLS_PORT
CARAVAN_TEST_JDBC_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/$PG_DB
CARAVAN_TEST_JDBC_USERNAME=$PG_USER
CARAVAN_TEST_JDBC_PASSWORD=$PG_PASSWORD
CARAVAN_TEST_BASE_IMAGE=$BASE_IMAGE
CARAVAN_TEST_REAL_DEB=$REAL_DEB
CARAVAN_TEST_CHROMIUM=$(command -v chromium)
CARAVAN_TEST_SSH_PORT=$SSH_PORT
CARAVAN_TEST_SSH_USER=$SSH_USER
CARAVAN_TEST_SSH_PASSWORD=$SSH_PASSWORD
CARAVAN_TEST_SSH_KEY=$SSH_DIR/client_ed25519_key
CARAVAN_TEST_SSH_HOST_KEY=$SSH_DIR/ssh_host_ed25519_key.pub
CARAVAN_TEST_SSH_DOCKER_LOG=$DOCKER_WITNESS_LOG
CARAVAN_TEST_KUBECTL=$KUBECTL
CARAVAN_TEST_ZIPKIN_URL=http://127.0.0.1:$ZIPKIN_PORT
CARAVAN_TEST_DEVICE_USERS="$DEVICE_USERS"
CARAVAN_TEST_DEVICE_PASSWORD=$DEVICE_PASSWORD
CARAVAN_TEST_MODELS=$MODELS_DIR
CARAVAN_TEST_ONNX_TESTDATA=/usr/share/libonnx-testdata/data
EOF
chmod 600 "$STATE_DIR/env"
log "services ready; endpoints in $STATE_DIR/env"
