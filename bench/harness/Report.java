package dev.pulse.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Ratios, the spread over repetitions, the JSON file and the table of a run. */
final class Report {

  private static final String[][] ROWS = {
      {"bare_consumer", "bare Kafka consumer (ConsumerPerformance)"},
      {"pulse_aggregator", "Pulse ingest + aggregator"},
      {"pulse_lake_writer", "Pulse ingest + lake-writer (no steady rate: durable one roll at a time; incl. last roll)"},
      {"pulse_enricher", "Pulse ingest + enricher"},
      {"pulse_all_sinks", "Pulse all sinks + dashboard"},
      {"pulse_all_sinks_warm", "Pulse all sinks + dashboard, warm (steady window after the warm-up events)"},
  };

  private Report() {
  }

  static JsonObject ratios(JsonObject m, List<Long> graces) {
    JsonObject r = new JsonObject();
    for (String[] row : ROWS) {
      if (!row[0].equals("bare_consumer")) {
        r.put(row[0].replace("pulse_", "") + "_vs_bare_consumer_steady",
            ratio(m, row[0], "bare_consumer", "steady_events_per_s"));
      }
    }
    for (long g : graces) {
      String ks = "kafka_streams_grace_" + g + "s";
      r.put("all_sinks_vs_kafka_streams_grace_" + g + "s_whole_process",
          ratio(m, "pulse_all_sinks", ks, "whole_process_events_per_s"));
      r.put("all_sinks_vs_kafka_streams_grace_" + g + "s_steady", ratio(m, "pulse_all_sinks", ks, "steady_events_per_s"));
    }
    return r;
  }

  private static Double ratio(JsonObject m, String a, String b, String field) {
    Double x = number(m.getJsonObject(a), field);
    Double y = number(m.getJsonObject(b), field);
    return x == null || y == null || y == 0 ? null : Math.round(1000 * x / y) / 1000.0;
  }

  /** The number at a field or a dotted path ({@code steady_cpu_split.gc_us_per_event}), or null. */
  static Double number(JsonObject o, String path) {
    String[] parts = path.split("\\.");
    for (int i = 0; o != null && i < parts.length - 1; i++) {
      o = o.getJsonObject(parts[i]);
    }
    return o == null || !(o.getValue(parts[parts.length - 1]) instanceof Number n) ? null : n.doubleValue();
  }

  /** min / median / max over the repetitions of every number they report. */
  static JsonObject summary(JsonArray repetitions) {
    Map<String, List<Double>> values = new LinkedHashMap<>();
    for (int i = 0; i < repetitions.size(); i++) {
      JsonObject rep = repetitions.getJsonObject(i);
      flatten("", new JsonObject().put("measurements", rep.getJsonObject("measurements"))
          .put("ratios", rep.getJsonObject("ratios")), values);
    }
    JsonObject out = new JsonObject();
    values.forEach((k, v) -> {
      List<Double> s = new ArrayList<>(v);
      s.sort(Double::compare);
      double median = s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
      out.put(k, new JsonObject().put("min", s.get(0)).put("median", median).put("max", s.get(s.size() - 1))
          .put("n", s.size()));
    });
    return out;
  }

  private static void flatten(String prefix, JsonObject o, Map<String, List<Double>> into) {
    for (String k : o.fieldNames()) {
      Object v = o.getValue(k);
      if (v instanceof JsonObject j) {
        flatten(prefix + k + ".", j, into);
      } else if (v instanceof Number n) {
        into.computeIfAbsent(prefix + k, x -> new ArrayList<>()).add(n.doubleValue());
      }
    }
  }

  static Path write(JsonObject result, Path dir) throws IOException {
    Files.createDirectories(dir);
    String name = result.getString("date").substring(0, 16).replace(":", "") + "-n" + result.getLong("events");
    Path file = dir.resolve(name + ".json");
    Files.writeString(file, result.encodePrettily() + "\n");
    if (result.containsKey("summary")) {
      Files.writeString(dir.resolve(name + ".md"), table(result) + "\n");
    }
    return file;
  }

  /** The Markdown table of a run: medians, with (min-max) when it was repeated. */
  static String table(JsonObject result) {
    JsonObject s = result.getJsonObject("summary");
    int reps = result.getJsonArray("repetitions").size();
    JsonObject first = result.getJsonArray("repetitions").getJsonObject(0).getJsonObject("measurements");
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "%,d events (%d partitions, %,d users, %,d pages), %d CPUs, %s%s%n%n",
        result.getLong("events"), result.getInteger("partitions"), result.getInteger("users"),
        result.getInteger("pages"), result.getJsonObject("machine").getInteger("cpus"), result.getString("date"),
        reps > 1 ? ", median (min-max) of " + reps + " repetitions" : ""));
    t.append("| what | steady events/s | after start-up events/s | whole process events/s | start-up s "
        + "| CPU µs/event steady (whole) | of which JIT / GC | peak RSS MB | peak heap MB | outputs |\n"
        + "|---|---|---|---|---|---|---|---|---|---|\n");
    List<String[]> rows = new ArrayList<>(List.of(ROWS));
    for (String k : first.fieldNames()) {
      if (k.startsWith("kafka_streams")) {
        rows.add(new String[] {k, "Kafka Streams peer, grace " + k.replaceAll("\\D", "") + " s (no lake)"});
      }
    }
    for (String[] row : rows) {
      if (first.getJsonObject(row[0]) == null) {
        continue;
      }
      String m = "measurements." + row[0] + ".";
      if (first.getJsonObject(row[0]) != null && first.getJsonObject(row[0]).containsKey("error")) {
        t.append("| ").append(row[1]).append(" | failed: ").append(first.getJsonObject(row[0]).getString("error"))
            .append(" ||||||||||\n");
        continue;
      }
      String cpu = cell(s, m + "steady_cpu_us_per_event", false);
      String whole = cell(s, m + "cpu_us_per_event", false);
      t.append("| ").append(row[1])
          .append(" | ").append(cell(s, m + "steady_events_per_s", true))
          .append(" | ").append(cell(s, m + "after_startup_events_per_s", true))
          .append(" | ").append(cell(s, m + "whole_process_events_per_s", true))
          .append(" | ").append(cell(s, m + "startup_s", false))
          .append(" | ").append(cpu.equals("-") ? whole : cpu + " (" + whole + ")")
          .append(" | ").append(cell(s, m + "steady_cpu_split.jit_us_per_event", false)).append(" / ")
          .append(cell(s, m + "steady_cpu_split.gc_us_per_event", false))
          .append(" | ").append(cell(s, m + "peak_rss_mb", true))
          .append(" | ").append(cell(s, m + "peak_heap_used_mb", true))
          .append(" | ").append(outputs(first.getJsonObject(row[0]))).append(" |\n");
    }
    t.append("\n| ratio | value |\n|---|---|\n");
    for (String k : s.fieldNames()) {
      if (k.startsWith("ratios.")) {
        t.append("| ").append(k.substring("ratios.".length()).replace('_', ' ')).append(" | ")
            .append(cell(s, k, false)).append(" |\n");
      }
    }
    for (String key : first.fieldNames().stream().filter(k -> k.startsWith("latency_")).sorted().toList()) {
      JsonObject lat = first.getJsonObject(key);
      if (lat == null || lat.containsKey("error")) {
        continue;
      }
      t.append(String.format(Locale.ROOT, "%n| latency at %s events/s (%d %% of the all-sinks steady rate), %d probes "
          + "| p50 ms | p95 ms | p99 ms | max ms | missing |%n|---|---|---|---|---|---|%n",
          cell(s, "measurements." + key + ".target_rate_events_per_s", true),
          lat.getInteger("share_of_all_sinks_steady_pct"), lat.getInteger("probes")));
      for (String[] path : new String[][] {{"websocket", "send -> dashboard WebSocket"},
          {"postgres", "send -> row in PostgreSQL"}}) {
        String m = "measurements." + key + "." + path[0] + ".";
        t.append("| ").append(path[1]).append(" | ").append(cell(s, m + "p50_ms", true)).append(" | ")
            .append(cell(s, m + "p95_ms", true)).append(" | ").append(cell(s, m + "p99_ms", true)).append(" | ")
            .append(cell(s, m + "max_ms", true)).append(" | ").append(cell(s, m + "missing", true)).append(" |\n");
      }
    }
    return t.toString();
  }

  private static String outputs(JsonObject m) {
    JsonObject c = m == null ? null : m.getJsonObject("correctness");
    if (c == null) {
      return "";
    }
    StringBuilder o = new StringBuilder(String.format(Locale.ROOT, "page views %,d of %,d; HLL worst error %.2f %%",
        c.getLong("page_views_counted"), c.getLong("page_views_expected"),
        100 * c.getDouble("active_users_worst_relative_error")));
    if (c.containsKey("enriched_written")) {
      o.append(String.format(Locale.ROOT, "; enriched %,d of %,d", c.getLong("enriched_written"),
          c.getLong("enriched_expected")));
    }
    if (c.containsKey("lake_rows")) {
      o.append(String.format(Locale.ROOT, "; lake %,d of %,d", c.getLong("lake_rows"), c.getLong("lake_rows_expected")));
    }
    return o.toString();
  }

  private static String cell(JsonObject summary, String key, boolean integer) {
    JsonObject v = summary.getJsonObject(key);
    if (v == null) {
      return "-";
    }
    String median = format(v.getDouble("median"), integer);
    if (v.getInteger("n") < 2) {
      return median;
    }
    return median + " (" + format(v.getDouble("min"), integer) + "-" + format(v.getDouble("max"), integer) + ")";
  }

  private static String format(double d, boolean integer) {
    return integer ? String.format(Locale.ROOT, "%,d", Math.round(d)) : String.format(Locale.ROOT, "%.2f", d);
  }
}
