#!/usr/bin/env bash
# Pulse's throughput and latency benchmark (issue 8), in one run on this machine:
#   - preloads N seeded events (6 partitions, 100k users, 10k pages) into Pulse's in-process Kafka broker;
#   - measures on that same input a bare Kafka consumer (Kafka's ConsumerPerformance), Pulse per sink
#     (ingest + aggregator / lake-writer / enricher) and with every sink and the dashboard, each a fresh
#     `pulse run` JVM timed until every sink holds all N events, and a Kafka Streams peer doing the same two
#     windowed aggregates and the enriched stream (bench/kafka-streams-peer), whose outputs are checked;
#   - measures Pulse with every sink once more, warm: on a longer input, over its last events only;
#   - measures latency at half (and a quarter of) the all-sinks rate: send -> dashboard WebSocket, send -> row in
#     PostgreSQL;
#   - prints a Markdown table and writes every figure to bench/results/<date>-n<N>.json (+ .md).
#
# usage: bench/run.sh [events] [options]             events: default 2000000
#   --repeat K                 K repetitions on the same preloaded input; the table shows median (min-max)
#   --latency-seconds S        probe for S seconds (default 60; 0 skips the latency runs)
#   --latency-shares P1,P2     latency runs at these % of the all-sinks steady rate (default 50,25)
#   --latency-warm-up S        load for S seconds before the first probe (default 60: the JIT's catch-up time here)
#   --peer-grace S1,S2         Kafka Streams grace periods in seconds, one peer run each (default 30 = Pulse's
#                              allowed lateness)
#   --pulse-java-options "..." JVM options of the Pulse nodes and of the Kafka Streams peer
#                              (default "-Xmx512m -XX:NewSize=200m -XX:G1HeapRegionSize=4m")
#   --warm-up K                also run every sink on an input of (K+1) x events and measure its last events only,
#                              after the JIT compilers have caught up (default 3; 0 skips it)
#   --against JAR              instead of all the above: Pulse with every sink (cold, and warm unless --warm-up 0),
#                              this build against JAR (e.g. built from an earlier commit), in pairs of back-to-back
#                              runs in alternating order; reports the ratios this build / JAR per pair
#   --against-java-options "..." the baseline's JVM options in such pairs (default: --pulse-java-options); with
#                              --against the same jar, compares JVM settings
#   --against-nodes N1,N2      the nodes such pairs run, each cold (default all_sinks; also aggregator,
#                              lake_writer, enricher: ingest with that sink alone); the warm run stays all sinks
#   --pulse-set KEY=VALUE      a Pulse setting (a key of conf/pulse.properties) for this build's nodes; repeatable
#   --against-set KEY=VALUE    the same for the baseline's nodes in --against pairs (default: none); with --against
#                              the same jar and --pulse-set, compares settings
#   --keep                     keep the work directory (logs, lake files, GC logs) instead of deleting it
# Needs Java 17 and Maven; builds the Pulse jar when it is missing or older than the sources, and the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=verticles/app/target/pulse.jar
if [ ! -f "$JAR" ] || [ -n "$(find pom.xml verticles conf web -newer "$JAR" -type f -not -path '*/target/*' -print -quit)" ]; then
  echo "bench: building $JAR"
  mvn -B -ntp -q -DskipTests package
fi
PEER=bench/kafka-streams-peer
if [ ! -d "$PEER/target/lib" ] || [ -n "$(find "$PEER/pom.xml" "$PEER/src" -newer "$PEER/target/lib" -type f -print -quit)" ]; then
  echo "bench: building the Kafka Streams peer"
  mvn -B -ntp -q -f "$PEER/pom.xml" package
  touch "$PEER/target/lib"
fi
HARNESS=bench/target/harness
rm -rf "$HARNESS" && mkdir -p "$HARNESS"
javac -d "$HARNESS" -cp "$JAR" bench/harness/*.java
exec java -cp "$JAR:$HARNESS" -Dlogback.configurationFile=bench/harness/logback-bench.xml \
  -Dbench.commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- pom.xml verticles conf web 2>/dev/null || echo +uncommitted)" \
  dev.pulse.bench.Bench --pulse-jar "$JAR" --peer-classpath "$PWD/$PEER/target/classes:$PWD/$PEER/target/lib/*" "$@"
