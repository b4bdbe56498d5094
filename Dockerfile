# The hub's image. Build the jar first: ./mvnw -B package -DskipTests
FROM eclipse-temurin:17.0.15_6-jre-jammy

RUN useradd --uid 1000 --create-home --shell /usr/sbin/nologin caravan \
    && mkdir -p /var/lib/caravan \
    && chown caravan:caravan /var/lib/caravan
COPY target/caravan-hub-*.jar /app/caravan-hub.jar
COPY deploy/hub.jvm.options /app/hub.jvm.options

USER caravan
WORKDIR /var/lib/caravan
ENV CARAVAN_DATA_DIR=/var/lib/caravan \
    CARAVAN_HTTP_ADDRESS=0.0.0.0 \
    CARAVAN_MQTT_EMBEDDED_BIND=0.0.0.0 \
    JDK_JAVA_OPTIONS=@/app/hub.jvm.options
EXPOSE 8080 1883
ENTRYPOINT ["java", "-jar", "/app/caravan-hub.jar"]
