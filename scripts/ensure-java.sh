#!/usr/bin/env bash
# Installs a Java 17 JDK from Debian's packages where none is on the PATH; ./mvnw brings Maven itself.
set -euo pipefail
if command -v javac >/dev/null 2>&1 && javac -version 2>&1 | grep -Eq 'javac (1[7-9]|2[0-9])'; then
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "Java 17 is missing: install openjdk-17-jdk-headless" >&2; exit 1; }
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless >/dev/null
