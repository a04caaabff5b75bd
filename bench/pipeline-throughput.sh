#!/usr/bin/env bash
# End-to-end throughput of one Pulse node (ingest + aggregator, embedded Kafka and PostgreSQL) on this machine,
# as a ratio to a baseline measured in the same run: how fast Pulse's own producer writes the same number of
# events to a topic nobody reads. Both share the machine, so the ratio says how much of the producer's pace
# the pipeline keeps up with, end to end (events durable in PostgreSQL with their offsets).
#
# usage: bench/pipeline-throughput.sh [events] [result.json]     (needs psql; builds the jar if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-2000000}
OUT=${2:-bench/results/pipeline-throughput.json}
JAR=verticles/app/target/pulse.jar
[ -f "$JAR" ] || mvn -B -ntp -q -DskipTests package
WORK=$(mktemp -d)
PG=postgresql://postgres@127.0.0.1:5433/postgres
trap 'kill $(cat "$WORK/pid" 2>/dev/null) 2>/dev/null || true; sleep 5; rm -rf "$WORK"' EXIT

(cd "$WORK" && exec java -jar "$OLDPWD/$JAR" run > run.log 2>&1) & echo $! > "$WORK/pid"
until grep -q "Pulse is running" "$WORK/run.log"; do sleep 1; done

rate() { grep -o 'sent [0-9]* ([0-9.]*/s)' | tail -1 | sed 's/.*(\(.*\)\/s)/\1/'; }

# Baseline: the producer alone, into a topic of another namespace that no node reads.
BASE=$(cd "$WORK" && java -jar "$OLDPWD/$JAR" produce --set pulse.namespace=baseline --rate 10000000 \
  --count "$EVENTS" --users 10000 --pages 200 | rate)

# Pipeline: the same producer into the pipeline's topic; done when PostgreSQL holds the offsets of every event.
START=$(date +%s.%N)
(cd "$WORK" && java -jar "$OLDPWD/$JAR" produce --rate 10000000 --count "$EVENTS" --users 10000 --pages 200 > produce.log)
until [ "$(psql -qAt "$PG" -c 'SELECT coalesce(sum(next_offset),0) FROM pulse_partition_progress')" -ge "$EVENTS" ]; do
  sleep 0.2
done
END=$(date +%s.%N)
PIPE=$(python3 -c "print(round($EVENTS / ($END - $START)))")
mkdir -p "$(dirname "$OUT")"
python3 - "$OUT" <<PY
import json, sys, os, datetime
base, pipe = float("$BASE"), float("$PIPE")
json.dump({
  "benchmark": "pipeline-throughput",
  "date": datetime.datetime.utcnow().isoformat(timespec="seconds") + "Z",
  "cpus": os.cpu_count(),
  "events": $EVENTS,
  "baseline_producer_only_events_per_s": round(base),
  "pipeline_end_to_end_events_per_s": round(pipe),
  "ratio_pipeline_to_baseline": round(pipe / base, 3),
}, open(sys.argv[1], "w"), indent=2)
PY
cat "$OUT"
