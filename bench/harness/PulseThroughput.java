package dev.pulse.bench;

import dev.pulse.bench.SinkProgress.Sink;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Pulse node in a fresh JVM on an input topic already holding every event, timed from JVM start until every
 * sink of its roles has made all events durable.
 */
final class PulseThroughput {

  static final String READY = "Pulse is running";
  static final String DASHBOARD = "Dashboard   http";

  private PulseThroughput() {
  }

  /**
   * Starts a node of {@code roles} on the topic of {@code namespace}: lake rolls every 5 s or after 1 s without
   * rows, no cluster, and the settings the bench was given.
   */
  static ChildProcess start(BenchContext ctx, String namespace, String roles, Path dir) throws Exception {
    List<String> args = new ArrayList<>(List.of("run", "--roles", roles,
        "--set", "pulse.namespace=" + namespace,
        "--set", "pg.schema=" + namespace,
        "--set", "lake.dir=" + dir.resolve("lake").toAbsolutePath(),
        "--set", "lake.roll.interval=5s",
        "--set", "lake.roll.inactivity=1s",
        "--set", "cluster.enabled=false",
        "--set", "dashboard.port=0",
        "--set", "node.name=bench-" + namespace));
    for (String setting : ctx.pulseSettings()) {
      args.add("--set");
      args.add(setting);
    }
    return ChildProcess.start(ctx.pulse(List.of(GcLog.option(dir.resolve("gc.log"))), args), dir,
        Map.of("KAFKA_BOOTSTRAP_SERVERS", ctx.bootstrap(), "PG_URL", ctx.pgUrl()), dir.resolve("pulse.log"),
        List.of(READY, DASHBOARD));
  }

  static SinkProgress progressOf(BenchContext ctx, String namespace, List<Sink> sinks, Path dir) {
    return new SinkProgress(sinks, ctx.pg(), ctx.admin(), namespace, BenchContext.inputTopic(namespace),
        dir.resolve("lake"), "pulse-enricher." + namespace);
  }

  static JsonObject measure(BenchContext ctx, String name, String namespace, String roles, List<Sink> sinks)
      throws Exception {
    return measure(ctx, name, namespace, roles, sinks, ctx.events(), Timeline.STEADY);
  }

  /**
   * The same on an input of {@code events} events, with the steady window at {@code window}: a window late in a
   * long input measures the node once its JIT compiler has caught up.
   */
  static JsonObject measure(BenchContext ctx, String name, String namespace, String roles, List<Sink> sinks,
      long events, Timeline.Window window) throws Exception {
    Path dir = ctx.work().resolve(namespace);
    SinkProgress progress = progressOf(ctx, namespace, sinks, dir);
    ChildProcess node = start(ctx, namespace, roles, dir);
    // The lake's durable progress moves in steps, one per roll (every 5 s here), and a roll makes durable rows it
    // took up to seconds before: a window between two steps measured the rolls, not the node (a lake-only run
    // came out at 1.9 million events/s over 0.8 s). Where other sinks run, the steady window follows them: ingest
    // paces every sink of a partition alike (it pauses the partition for all when one holds too many batches), and
    // the run still ends only once the lake too holds every event. A lake-only run has no steady rate.
    boolean lakeOnly = sinks.equals(List.of(Sink.LAKE_WRITER));
    List<Sink> paced = lakeOnly ? sinks : sinks.stream().filter(s -> s != Sink.LAKE_WRITER).toList();
    try {
      Timeline t = Timeline.follow(node, READY,
          () -> {
            Map<Sink, Long> covered = progress.read();
            return paced.stream().mapToLong(covered::get).min().orElse(0);
          },
          () -> progress.read().values().stream().allMatch(v -> v >= events), events, timeout(events), window);
      JsonObject figures = new JsonObject().put("name", name).put("roles", roles)
          .mergeIn(t.figures(events));
      if (lakeOnly) {
        for (String key : List.copyOf(figures.fieldNames())) {
          if (key.startsWith("steady_")) {
            figures.remove(key);
          }
        }
        figures.put("steady_window", "none: the lake's durable progress moves one roll at a time");
      } else if (paced.size() < sinks.size()) {
        figures.put("steady_window", figures.getString("steady_window") + " of " + paced.stream()
            .map(s -> s.name().toLowerCase(java.util.Locale.ROOT)).toList() + "; the lake holds every event by the end");
      }
      node.stop(Duration.ofSeconds(60));
      return figures.mergeIn(GcLog.read(dir.resolve("gc.log"))).put("log", node.log().toString());
    } finally {
      node.stop(Duration.ofSeconds(60));
    }
  }

  /** Generous: a node slower than 2,000 events/s is reported as failed rather than waited for. */
  static Duration timeout(long events) {
    return Duration.ofSeconds(120 + events / 2_000);
  }
}
