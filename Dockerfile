# The hub's image. scripts/build-image.sh hub packages the jar and builds it; by hand:
#   ./mvnw -B package -DskipTests && docker build -t caravan/hub:<version> .
# BASE_IMAGE: any Debian bookworm image (the default is Docker Hub's); Java 17, tini and curl come from Debian's
# packages, whichever base it starts from (the test scripts build it on a local debootstrap base).
ARG BASE_IMAGE=debian:12.12-slim

FROM ${BASE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="Caravan hub"
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless tini curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --home-dir /var/lib/caravan --no-create-home --shell /usr/sbin/nologin caravan \
    && install -d -o caravan -g caravan -m 750 /var/lib/caravan

# The jar split along Spring Boot's layers: the dependencies' layer stays cached while only the hub's code changes.
FROM runtime AS layers
WORKDIR /build
COPY target/caravan-hub-*.jar caravan-hub.jar
RUN java -Djarmode=tools -jar caravan-hub.jar extract --layers --destination /build/layers

FROM runtime
# (the launcher's layer is for JarLauncher, which java -jar on the extracted jar does not use)
COPY --from=layers /build/layers/dependencies/ /app/
COPY --from=layers /build/layers/snapshot-dependencies/ /build/layers/application/ /app/
COPY deploy/jvm/gc.options deploy/jvm/container.options /app/jvm/
# Numeric, so that Kubernetes' runAsNonRoot can tell it is not root.
USER 10001:10001
WORKDIR /var/lib/caravan
ENV CARAVAN_DATA_DIR=/var/lib/caravan \
    CARAVAN_HTTP_ADDRESS=0.0.0.0 \
    CARAVAN_MQTT_EMBEDDED_BIND=0.0.0.0 \
    SPRING_PROFILES_ACTIVE=prod
EXPOSE 8080 1883
# Ready: started, its database and broker reachable (/ready is open; a self-signed certificate is fine on loopback).
HEALTHCHECK --interval=10s --timeout=5s --start-period=3m --retries=3 \
    CMD curl --fail --silent --insecure --output /dev/null \
        "$([ "$CARAVAN_TLS_ENABLED" = true ] && echo https || echo http)://127.0.0.1:${CARAVAN_HTTP_PORT:-8080}/ready"
# tini as PID 1 reaps children and hands SIGTERM to the JVM, which drains requests and routes before it exits. The
# JVM's options are files on the command line (JDK_JAVA_OPTIONS would add a note to the JSON log): mount others over
# /app/jvm to change them.
ENTRYPOINT ["/usr/bin/tini", "--", "java", "@/app/jvm/container.options", "@/app/jvm/gc.options", \
            "-jar", "/app/caravan-hub.jar"]
