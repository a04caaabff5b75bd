# Pulse node image: the same jar for every role (PULSE_ROLES picks the verticles).
# Build stage: compile and package with Maven, tests left to CI.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY verticles verticles
COPY conf conf
COPY web web
RUN mvn -B -ntp -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app pulse \
 && mkdir -p /app /data/lake \
 && chown -R pulse /app /data
WORKDIR /app
COPY --from=build /src/verticles/app/target/pulse.jar /app/pulse.jar
COPY docker/entrypoint.sh /app/entrypoint.sh
USER pulse
ENV PULSE_LAKE_DIR=/data/lake \
    PULSE_DASHBOARD_HOST=0.0.0.0 \
    JAVA_OPTS="-XX:MaxRAMPercentage=75"
EXPOSE 8080 5701
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["run"]
