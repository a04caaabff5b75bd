package dev.pulse.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code --against JAR}: Pulse with every sink (or the nodes {@code --against-nodes} names: ingest with one sink
 * alone, whose pace a change to ingest's clients can move while the all-sinks pace hides it), this build against
 * another one (a baseline built from an earlier commit), on the same preloaded input, in pairs run back to back and
 * in alternating order, so that a change is judged by the ratio within each pair rather than by two runs far apart
 * on a shared, noisy machine. The bare consumer, the Kafka Streams peer and the latency runs are left out.
 */
final class PairedRun {

  /** The figures compared, each as this build / the baseline. */
  private static final List<String> FIGURES = List.of("steady_events_per_s", "steady_cpu_us_per_event",
      "steady_cpu_split.gc_us_per_event", "steady_cpu_split.jit_us_per_event",
      "steady_cpu_split.application_us_per_event", "whole_process_events_per_s", "cpu_us_per_event", "peak_rss_mb",
      "gc_pause_total_ms", "gc_pause_max_ms");

  private PairedRun() {
  }

  static JsonObject run(BenchContext current, BenchContext baseline, Bench.Options o, String tag, String source,
      String warmSource) throws Exception {
    JsonArray repetitions = new JsonArray();
    for (int r = 1; r <= o.repeat; r++) {
      JsonObject m = new JsonObject();
      JsonObject ratios = new JsonObject();
      // odd pairs start with the baseline, even ones with this build: drift over the run falls on both alike
      boolean baselineFirst = r % 2 == 1;
      for (boolean first : new boolean[] {true, false}) {
        boolean isBaseline = first == baselineFirst;
        BenchContext ctx = isBaseline ? baseline : current;
        String who = isBaseline ? "baseline" : "current";
        String ns = tag + "r" + r + (isBaseline ? "_base" : "_cur");
        for (Bench.Node node : o.againstNodes) {
          m.put(who + "_" + node.shortKey(), measure(ctx, node, node.name() + " (" + who + ")", ns + node.suffix(),
              source, ctx.events(), Timeline.STEADY));
        }
        if (warmSource != null) {
          long events = (o.warmUp + 1) * ctx.events();
          m.put(who + "_all_sinks_warm", measure(ctx, Bench.ALL_SINKS_NODE, "Pulse all sinks, warm (" + who + ")",
              ns + "_w", warmSource, events, Bench.warmWindow(o.warmUp)));
        }
      }
      List<String> runs = new ArrayList<>(o.againstNodes.stream().map(Bench.Node::shortKey).toList());
      if (warmSource != null) {
        runs.add("all_sinks_warm");
      }
      for (String run : runs) {
        for (String figure : FIGURES) {
          Double cur = Report.number(m.getJsonObject("current_" + run), figure);
          Double base = Report.number(m.getJsonObject("baseline_" + run), figure);
          if (cur != null && base != null && base > 0) {
            ratios.put(run + "." + figure, Math.round(cur / base * 1000) / 1000.0);
          }
        }
      }
      Bench.log("pair " + r + " (baseline " + (baselineFirst ? "first" : "second") + "): " + ratios.encode());
      repetitions.add(new JsonObject().put("repetition", r).put("baseline_first", baselineFirst)
          .put("measurements", m).put("ratios", ratios));
    }
    return new JsonObject().put("repetitions", repetitions).put("summary", Report.summary(repetitions));
  }

  private static JsonObject measure(BenchContext ctx, Bench.Node node, String name, String namespace, String source,
      long events, Timeline.Window window) throws Exception {
    Bench.log(name + " ...");
    TopicCopy.copy(ctx, source, BenchContext.inputTopic(namespace));
    JsonObject f = PulseThroughput.measure(ctx, name, namespace, node.roles(), node.sinks(), events, window);
    Bench.log(name + ": " + f.copy().put("log", null).put("correctness", null).encode());
    Bench.deleteTopics(ctx, namespace);
    return f;
  }

  /** The ratios of the summary as a Markdown table: median (min-max) over the pairs. */
  static String table(JsonObject result) {
    JsonObject s = result.getJsonObject("summary");
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%,d events, this build (%s, `%s`%s) / baseline (%s, `%s`%s), %d pair(s)%n%n",
        result.getLong("events"), result.getString("git_commit"), result.getString("java_options_pulse_and_peer"),
        settings(result.getJsonArray("pulse_settings")), result.getString("baseline_jar"),
        result.getString("baseline_java_options"), settings(result.getJsonArray("baseline_settings")),
        result.getJsonArray("repetitions").size()));
    b.append("| ratio this build / baseline | median (min-max) |\n|---|---|\n");
    for (String key : s.fieldNames()) {
      if (key.startsWith("ratios.")) {
        JsonObject v = s.getJsonObject(key);
        b.append(String.format(Locale.ROOT, "| %s | %.3f (%.3f-%.3f) |%n", key.substring("ratios.".length()),
            v.getDouble("median"), v.getDouble("min"), v.getDouble("max")));
      }
    }
    return b.toString();
  }

  private static String settings(JsonArray settings) {
    if (settings == null || settings.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    settings.forEach(v -> b.append(", `").append(v).append('`'));
    return b.toString();
  }

    static Path write(JsonObject result, Path dir) throws Exception {
    Files.createDirectories(dir);
    String name = result.getString("date").substring(0, 16).replace(":", "") + "-n" + result.getLong("events")
        + "-paired";
    Path file = dir.resolve(name + ".json");
    Files.writeString(file, result.encodePrettily() + "\n");
    Files.writeString(dir.resolve(name + ".md"), table(result) + "\n");
    return file;
  }
}
