package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Kafka's own consumer benchmark (kafka-consumer-perf-test's class, bundled in the Pulse jar) on the same input:
 * how fast a bare consumer reads these events here. Its fetch rate excludes the group join, like Pulse's steady
 * rate excludes start-up.
 */
final class BareConsumer {

  private BareConsumer() {
  }

  static JsonObject measure(BenchContext ctx, String topic, String group) throws Exception {
    Path dir = ctx.work().resolve(group);
    List<String> cmd = List.of(BenchContext.JAVA, "-cp", ctx.pulseJar().toAbsolutePath().toString(),
        "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", ctx.bootstrap(), "--topic", topic,
        "--messages", String.valueOf(ctx.events()), "--group", group, "--timeout", "60000");
    ChildProcess p = ChildProcess.start(cmd, dir, Map.of(), dir.resolve("consumer-perf.log"), List.of());
    long cpu = 0;
    while (p.alive()) {
      cpu = Math.max(cpu, p.cpuNanos());
      p.peakRssKb();
      Thread.sleep(50);
    }
    long ended = System.nanoTime();
    if (p.awaitExit(Duration.ofSeconds(10)) != 0) {
      throw new IllegalStateException("ConsumerPerformance failed; see " + p.log());
    }
    // start.time, end.time, MB, MB.sec, nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    String[] f = p.logLines().stream().filter(l -> l.matches("^\\d{4}-\\d\\d-\\d\\d .*") && l.split(",").length >= 10)
        .reduce((a, b) -> b).orElseThrow(() -> new IllegalStateException("no result line in " + p.log()))
        .split(",\\s*");
    long consumed = Long.parseLong(f[4].trim());
    if (consumed < ctx.events()) {
      throw new IllegalStateException("the bare consumer read only " + consumed + " events; see " + p.log());
    }
    double wall = (ended - p.launchedNanos()) / 1e9;
    return new JsonObject().put("name", "bare consumer (Kafka ConsumerPerformance)")
        .put("steady_events_per_s", Math.round(Double.parseDouble(f[9])))
        .put("consumer_events_per_s_incl_group_join", Math.round(Double.parseDouble(f[5])))
        .put("whole_process_events_per_s", Math.round(ctx.events() / wall))
        .put("done_s", Timeline.round2(wall))
        .put("group_join_ms", Long.parseLong(f[6].trim()))
        .put("cpu_us_per_event", Timeline.round2(cpu / 1e3 / ctx.events()))
        .put("peak_rss_mb", Math.round(p.peakRssKb() / 1024.0))
        .put("log", p.log().toString());
  }
}
