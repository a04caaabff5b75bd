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
# curl answers the healthchecks of docker-compose.yml (the base image keeps it, adoptium/containers#255) and
# setpriv (util-linux) lets the entrypoint drop root: the build fails here if either is ever gone.
# Fixed uid and gid 10001, so a host folder can be prepared for them (chown 10001:10001).
RUN command -v curl && command -v setpriv \
 && groupadd --system --gid 10001 pulse \
 && useradd --system --uid 10001 --gid pulse --home-dir /app pulse \
 && mkdir -p /app /data/lake \
 && chown -R pulse:pulse /app /data
WORKDIR /app
COPY --from=build /src/verticles/app/target/pulse.jar /app/pulse.jar
COPY docker/entrypoint.sh /app/entrypoint.sh
# A class-data archive (AppCDS) of what a node loads: one training run of the whole pipeline, on its own
# temporary embedded Kafka and PostgreSQL, writes it at exit; JAVA_OPTS below maps it at every start instead of
# loading, verifying and linking those classes again. It must come from the JVM that reads it, hence here, in
# the runtime image. Measured (README, "Start-up: a class-data archive"; 3 pairs of 2M events against the same
# jar without it): start-up 2.0-2.8 s instead of 3.6-5.8 s, 45 MB more RSS at the peak (clean file pages).
RUN java -Xmx512m -XX:NewSize=200m -XX:G1HeapRegionSize=4m -XX:ArchiveClassesAtExit=/app/pulse.jsa -jar /app/pulse.jar run --training-run \
 && test -s /app/pulse.jsa
# No USER line: the entrypoint starts as root only to make a bind-mounted lake folder writable for pulse, then
# runs Java as pulse (uid 10001), as the postgres image does with its data folder. Started with --user, it
# skips that step.
# -Xmx512m: measured, a node with every role keeps about 250 MB outside the heap (RSS 777 MB with its 512 MB
# heap pre-touched in SoakIT; 468 MB at 5,000 events/s with 222 MB of heap committed), so it fits a 1 GiB
# container. A heap sized from the container (MaxRAMPercentage=75 of 1 GiB = 768 MB) plus those 250 MB would
# not. -XX:NewSize=200m: G1 sized the young generation near 55 MB in this heap, so it collected 4-6 times a
# second and copied the batches still in flight (about 120 MB with the default poll and in-flight settings) into
# survivor and old regions; with at least 200 MB a collection comes after most of them are done. Measured
# (bench/run.sh --against-java-options, 2 pairs): GC CPU per event 0.55x, all sinks steady 1.38x cold, 1.12x warm.
# -XX:G1HeapRegionSize=4m: in G1's default 1 MB regions, Parquet's 1 MB page buffer of each new lake file was a
# humongous allocation that started a concurrent cycle. Measured on top (8 pairs): all sinks 1.09x cold, whole
# process and steady (never slower whole process), warm 0.96-1.04x (5 pairs), longest pause unchanged.
# After an OutOfMemoryError the JVM's state is unknown: exit, and let the restart policy and the
# checkpoints resume it.
ENV PULSE_LAKE_DIR=/data/lake \
    PULSE_DASHBOARD_HOST=0.0.0.0 \
    JAVA_OPTS="-Xmx512m -XX:NewSize=200m -XX:G1HeapRegionSize=4m -XX:SharedArchiveFile=/app/pulse.jsa -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080 5701
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["run"]
