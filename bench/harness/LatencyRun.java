package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Latency under steady load: a fresh all-sinks node with its dashboard, {@code pulse produce} sending realistic
 * traffic at a fixed rate, and every 100 ms a probe: a page view of a page nobody else visits, sent by this
 * process. Measured from just before the probe's send to (a) the first WebSocket message of the dashboard that
 * carries its page and (b) the first moment its row is visible in PostgreSQL.
 */
final class LatencyRun {

  private static final long PROBE_EVERY_MS = 100;
  private static final Duration STRAGGLERS = Duration.ofSeconds(15);
  private static final String PROBE_PAGE = "/bench-probe/";

  private LatencyRun() {
  }

  /**
   * @param warmUp load before the first probe: on 2 cores the JIT compilers take about a minute to catch up,
   *               and a node still compiling falls behind the load and drags a backlog into the probes
   */
  static JsonObject measure(BenchContext ctx, String namespace, long rate, Duration warmUp, Duration probing)
      throws Exception {
    Path dir = ctx.work().resolve(namespace);
    ChildProcess node = PulseThroughput.start(ctx, namespace, Bench.ALL_ROLES, dir);
    ChildProcess load = null;
    WebSocket ws = null;
    try {
      node.await(PulseThroughput.READY, Duration.ofSeconds(120));
      String dashboard = node.await(PulseThroughput.DASHBOARD, Duration.ofSeconds(5)).line()
          .replaceAll(".*(http://[^/ ]+)/.*", "$1");
      int probes = (int) (probing.toMillis() / PROBE_EVERY_MS);
      long[] sent = new long[probes];
      long[] windowStart = new long[probes];
      AtomicLongArray onDashboard = new AtomicLongArray(probes);
      long[] inPostgres = new long[probes];
      ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create(dashboard.replace("http://", "ws://") + "/ws"), new ProbeListener(namespace,
              onDashboard)).get(10, TimeUnit.SECONDS);

      long loadSeconds = warmUp.plus(probing).plus(STRAGGLERS).toSeconds();
      load = ChildProcess.start(ctx.pulse(List.of(), List.of("produce", "--set", "pulse.namespace=" + namespace,
              "--users", "100000", "--pages", "10000", "--seed", "43", "--rate", String.valueOf(rate),
              "--duration", loadSeconds + "s")), dir, Map.of("KAFKA_BOOTSTRAP_SERVERS", ctx.bootstrap()),
          dir.resolve("produce.log"), List.of());
      Thread.sleep(warmUp.toMillis());

      long cpuBefore = node.cpuNanos();
      MachineCpu machineBefore = MachineCpu.now();
      long probingStarted = System.nanoTime();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(probeProducerConfig(ctx.bootstrap()),
          new ByteArraySerializer(), new ByteArraySerializer());
          PreparedStatement visible = ctx.pg().prepareStatement("SELECT q.id FROM unnest(?::int[], ?::int[],"
              + " ?::bigint[], ?::text[]) AS q(id, part, ws, url) JOIN \"" + namespace + "\".page_view_counts_by_partition p"
              + " ON p.kafka_partition = q.part AND p.window_start = to_timestamp(q.ws / 1000.0) AND p.page_url = q.url")) {
        long next = System.nanoTime();
        int sentCount = 0;
        long stragglersUntil = Long.MAX_VALUE;
        while (true) {
          long now = System.nanoTime();
          if (sentCount < probes && now >= next) {
            long millis = System.currentTimeMillis();
            windowStart[sentCount] = Math.floorDiv(millis, 60_000L) * 60_000L;
            byte[] value = probe(namespace, sentCount, millis);
            sent[sentCount] = System.nanoTime();
            producer.send(new ProducerRecord<>(BenchContext.inputTopic(namespace), sentCount % ctx.partitions(),
                ("u-probe").getBytes(StandardCharsets.UTF_8), value));
            sentCount++;
            next += PROBE_EVERY_MS * 1_000_000L;
            if (sentCount == probes) {
              stragglersUntil = System.nanoTime() + STRAGGLERS.toNanos();
            }
          }
          List<Integer> pending = new ArrayList<>();
          for (int i = 0; i < sentCount; i++) {
            if (inPostgres[i] == 0) {
              pending.add(i);
            }
          }
          if (!pending.isEmpty()) {
            markVisible(visible, namespace, pending, windowStart, ctx.partitions(), inPostgres);
          }
          boolean allSeen = sentCount == probes && pending.isEmpty() && allSet(onDashboard);
          if (allSeen || System.nanoTime() > stragglersUntil) {
            break;
          }
          Thread.sleep(20);
        }
      }
      double probingSeconds = (System.nanoTime() - probingStarted) / 1e9;
      long cpu = node.cpuNanos() - cpuBefore;
      MachineCpu machineAfter = MachineCpu.now();
      String produced = load.logLines().stream().filter(l -> l.startsWith("sent ")).reduce((a, b) -> b).orElse("");
      JsonObject out = new JsonObject().put("name", "latency at a steady load, all sinks + dashboard")
          .put("target_rate_events_per_s", rate)
          .put("probes", probes)
          .put("websocket", percentiles(sent, toArray(onDashboard)))
          .put("postgres", percentiles(sent, inPostgres))
          .put("pulse_cpu_pct_of_machine", Timeline.round2(100.0 * cpu / 1e9 / probingSeconds
              / Runtime.getRuntime().availableProcessors()))
          .put("machine_busy_pct", Timeline.round2(machineAfter.busyPercentSince(machineBefore)))
          .put("load_producer_last_report", produced)
          .put("peak_rss_mb", Math.round(node.peakRssKb() / 1024.0))
          .put("log", node.log().toString());
      node.stop(Duration.ofSeconds(60));
      return out.mergeIn(GcLog.read(dir.resolve("gc.log")));
    } finally {
      if (ws != null) {
        ws.abort();
      }
      if (load != null) {
        load.stop(Duration.ofSeconds(10));
      }
      node.stop(Duration.ofSeconds(60));
    }
  }

  /** Sent at once (no linger), so a probe waits for nothing but Pulse. */
  private static Map<String, Object> probeProducerConfig(String bootstrap) {
    return Map.of("bootstrap.servers", bootstrap, "client.id", "bench-probe", "acks", "all",
        "enable.idempotence", "true", "linger.ms", "0", "compression.type", "lz4");
  }

  private static byte[] probe(String namespace, int id, long millis) {
    return new JsonObject().put("event_id", UUID.randomUUID().toString()).put("user_id", "u-probe")
        .put("page_url", PROBE_PAGE + namespace + "/" + id).put("event_type", "page_view")
        .put("timestamp", Instant.ofEpochMilli(millis).toString()).put("session_id", "s-probe")
        .put("device", "desktop").put("referrer", "direct").encode().getBytes(StandardCharsets.UTF_8);
  }

  private static void markVisible(PreparedStatement visible, String namespace, List<Integer> pending,
      long[] windowStart, int partitions, long[] inPostgres) throws Exception {
    Integer[] ids = pending.toArray(new Integer[0]);
    Integer[] parts = new Integer[ids.length];
    Long[] starts = new Long[ids.length];
    String[] urls = new String[ids.length];
    for (int k = 0; k < ids.length; k++) {
      parts[k] = ids[k] % partitions;
      starts[k] = windowStart[ids[k]];
      urls[k] = PROBE_PAGE + namespace + "/" + ids[k];
    }
    var conn = visible.getConnection();
    visible.setArray(1, conn.createArrayOf("int4", ids));
    visible.setArray(2, conn.createArrayOf("int4", parts));
    visible.setArray(3, conn.createArrayOf("int8", starts));
    visible.setArray(4, conn.createArrayOf("text", urls));
    try (ResultSet rs = visible.executeQuery()) {
      long now = System.nanoTime();
      while (rs.next()) {
        inPostgres[rs.getInt(1)] = now;
      }
    } catch (java.sql.SQLException e) {
      // the node has not created its tables yet
    }
  }

  private static boolean allSet(AtomicLongArray a) {
    for (int i = 0; i < a.length(); i++) {
      if (a.get(i) == 0) {
        return false;
      }
    }
    return true;
  }

  private static long[] toArray(AtomicLongArray a) {
    long[] out = new long[a.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i);
    }
    return out;
  }

  /** p50/p95/p99/max in ms over the probes that arrived (nearest rank), and how many never did. */
  static JsonObject percentiles(long[] sent, long[] arrived) {
    long[] ms = new long[sent.length];
    int n = 0;
    for (int i = 0; i < sent.length; i++) {
      if (arrived[i] != 0 && sent[i] != 0) {
        ms[n++] = Math.max(0, (arrived[i] - sent[i]) / 1_000_000);
      }
    }
    long[] sorted = Arrays.copyOf(ms, n);
    Arrays.sort(sorted);
    JsonObject j = new JsonObject().put("arrived", n).put("missing", sent.length - n);
    if (n > 0) {
      j.put("p50_ms", rank(sorted, 0.50)).put("p95_ms", rank(sorted, 0.95)).put("p99_ms", rank(sorted, 0.99))
          .put("max_ms", sorted[n - 1]);
    }
    return j;
  }

  private static long rank(long[] sorted, double q) {
    return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
  }

  /** Notes when each probe's page first shows up in a dashboard message (text search; no JSON parse needed). */
  private static final class ProbeListener implements WebSocket.Listener {
    private final String marker;
    private final AtomicLongArray onDashboard;
    private final StringBuilder message = new StringBuilder();

    ProbeListener(String namespace, AtomicLongArray onDashboard) {
      this.marker = PROBE_PAGE + namespace + "/";
      this.onDashboard = onDashboard;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        long now = System.nanoTime();
        String text = message.toString();
        message.setLength(0);
        for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + 1)) {
          int from = at + marker.length();
          int to = from;
          while (to < text.length() && Character.isDigit(text.charAt(to))) {
            to++;
          }
          if (to > from) {
            int id = Integer.parseInt(text, from, to, 10);
            if (id < onDashboard.length()) {
              onDashboard.compareAndSet(id, 0, now);
            }
          }
        }
      }
      ws.request(1);
      return null;
    }
  }
}
