package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.verify.Consistency;
import dev.pulse.app.verify.ConsistencyReport;
import dev.pulse.app.verify.VerifyRange;
import dev.pulse.app.verify.VerifyTarget;
import dev.pulse.embedded.FreePorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node in its own JVM (-Xmx512m) under a steady input rate for {@code soak.duration} (30 minutes by default;
 * run with {@code -Psoak}). Every 10 s it samples the node's heap (after GC, from /metrics), open files and RSS
 * (from /proc) and consumer lag; the second half of the run must look like the first, and every output must be
 * exact at the end. The samples go to {@code target/soak.json}.
 */
class SoakIT {

  private static final Logger LOG = LoggerFactory.getLogger(SoakIT.class);
  private static final Duration DURATION = duration(System.getProperty("soak.duration", "30m"));
  private static final int RATE = Integer.getInteger("soak.rate", 2000);
  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);
  private static final int TICKS_PER_SECOND = 10;
  private static final int INVALID_EVERY = 200;
  /** Consumer lag counts from the oldest durable checkpoint, so it rises by this much input between lake rolls. */
  private static final Duration LAKE_ROLL = Duration.ofSeconds(5);
  private static final Duration LAG_ALLOWED = LAKE_ROLL.plusSeconds(10);
  /** How much a measure may grow from the first half of the run to the second: 20 %, or a small absolute amount. */
  private static final double GROWTH = 1.20;
  private static final double HEAP_SLACK_BYTES = 16 * 1024 * 1024;
  private static final double RSS_SLACK_BYTES = 32 * 1024 * 1024;
  private static final double FD_SLACK = 10;

  private PipelineFixture fixture;
  private NodeProcess node;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
  private final HttpClient http = PipelineFixture.http();
  /** The first failure of the producer or the sampler, which run on the scheduler's threads. */
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  /** One look at the node. */
  private record Sample(double seconds, long sent, double heapUsed, double heapLiveAfterGc, double rss,
      double openFiles, double lag) {
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    sampler.shutdownNow();
    if (node != null) {
      node.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aSteadyRateKeepsHeapOpenFilesRssAndLagFlatAndEveryOutputExact() throws Exception {
    // Given a node with every sink in its own JVM
    int port = FreePorts.one();
    fixture = new PipelineFixture(Map.of("topics.partitions", "4",
        "roles", "ingest,aggregator,lake-writer,enricher,dashboard", "dashboard.port", String.valueOf(port),
        "lake.roll.interval", LAKE_ROLL.toSeconds() + "s", "watermark.allowed.lateness", "5s",
        "watermark.idle.timeout", "2s"));
    fixture.createTopics();
    // the heap committed and touched from the start, so RSS shows what grows outside it; and C2 back on (the
    // other tests' nodes go without it): a soak runs long enough to be measured as a node runs in production
    node = NodeProcess.start(fixture, "soak", Map.of(), List.of("-Xms512m", "-XX:+AlwaysPreTouch",
        "-XX:TieredStopAtLevel=4"));
    LOG.info("soak: {} events/s for {}, node pid {}", RATE, DURATION, node.pid());

    // When events arrive at a steady rate for the whole duration, sampled every 10 s
    fixture.producer(); // made here, not lazily on the scheduler's thread
    Counts counts = new Counts();
    List<Sample> samples = new CopyOnWriteArrayList<>();
    long start = System.nanoTime();
    long ticks = DURATION.toSeconds() * TICKS_PER_SECOND;
    AtomicLong tick = new AtomicLong();
    AtomicBoolean producing = new AtomicBoolean(true);
    Random random = new Random(42);
    scheduler.scheduleAtFixedRate(() -> {
      try {
        if (tick.getAndIncrement() >= ticks) {
          producing.set(false);
          return;
        }
        for (int i = 0; i < RATE / TICKS_PER_SECOND; i++) {
          send(counts, random);
        }
      } catch (RuntimeException e) {
        failure.compareAndSet(null, e);
        producing.set(false);
      }
    }, 0, 1000 / TICKS_PER_SECOND, TimeUnit.MILLISECONDS);
    sampler.scheduleAtFixedRate(() -> {
      try {
        Sample s = sample(port, start, counts);
        samples.add(s);
        LOG.info("soak sample: {}", s);
      } catch (Throwable e) {
        LOG.error("soak: sampling failed", e);
        failure.compareAndSet(null, e);
      }
    }, SAMPLE_EVERY.toMillis(), SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    await().atMost(DURATION.plusMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .until(() -> !producing.get() || failure.get() != null);
    fixture.producer().flush();
    assertEquals(null, failure.get(), "the producer and the sampler ran throughout");
    long runSeconds = (System.nanoTime() - start) / 1_000_000_000L;

    // Then the node catches up: every record checkpointed, the lake complete, no lag
    long total = counts.valid.get() + counts.invalid.get();
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(next_offset), 0) FROM pulse_partition_progress") == total);
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .until(() -> lakeLong("count(*)") == counts.valid.get());
    await().atMost(Duration.ofMinutes(1)).until(() -> metric(scrape(port), "pulse_consumer_lag", "") == 0);
    samples.add(sample(port, start, counts));
    writeSamples(samples);

    // ... and every output is exact: each event in the lake once, in the enriched stream once, every invalid record
    // dead-lettered, page views counted once, and every closed window as a recount of the lake gives it
    assertEquals(counts.valid.get(), lakeLong("count(DISTINCT event_id)"), "no event twice in the lake");
    assertEquals(counts.valid.get(), distinctEnrichedIds(counts.valid.get()), "each event enriched once");
    assertEquals(counts.invalid.get(),
        fixture.readAll(fixture.topics.deadLetter(), (int) counts.invalid.get()).size());
    assertEquals(lakeLong("count(*) FILTER (WHERE event_type = 'page_view' AND NOT is_late)"),
        fixture.queryLong("SELECT coalesce(sum(view_count), 0) FROM page_view_counts"));
    ConsistencyReport report = Consistency.check(new VerifyTarget(fixture.lakeDir, fixture.pg(),
        fixture.topics.input()), VerifyRange.ALL);
    assertTrue(report.consistent(), () -> String.join("\n", report.textLines()));

    // ... and the second half of the run (after a warm-up) looks like the first
    double warmUp = Math.min(60, DURATION.toSeconds() / 6.0);
    List<Sample> steady = samples.stream().filter(s -> s.seconds() >= warmUp && s.seconds() <= runSeconds).toList();
    double middle = (warmUp + runSeconds) / 2;
    List<Sample> first = steady.stream().filter(s -> s.seconds() < middle).toList();
    List<Sample> second = steady.stream().filter(s -> s.seconds() >= middle).toList();
    assertTrue(first.size() >= 2 && second.size() >= 2, "too few samples: " + samples);
    String summary = String.format(Locale.ROOT,
        "soak: %d s at %d events/s, %d sent (%d valid), %d samples; averages first/second half: heap after GC "
            + "%.1f/%.1f MB, heap used %.1f/%.1f MB, RSS %.1f/%.1f MB, open files %.1f/%.1f, lag %.0f/%.0f "
            + "(max %.0f); %s",
        runSeconds, RATE, total, counts.valid.get(), samples.size(),
        average(collected(first), Sample::heapLiveAfterGc) / 1e6,
        average(collected(second), Sample::heapLiveAfterGc) / 1e6,
        average(first, Sample::heapUsed) / 1e6, average(second, Sample::heapUsed) / 1e6,
        average(first, Sample::rss) / 1e6, average(second, Sample::rss) / 1e6,
        average(first, Sample::openFiles), average(second, Sample::openFiles),
        average(first, Sample::lag), average(second, Sample::lag),
        steady.stream().mapToDouble(Sample::lag).max().orElse(0), report.pageViews());
    LOG.info(summary);
    assertFlat("heap after GC", collected(first), collected(second), Sample::heapLiveAfterGc, HEAP_SLACK_BYTES);
    assertFlat("RSS", first, second, Sample::rss, RSS_SLACK_BYTES);
    assertFlat("open files", first, second, Sample::openFiles, FD_SLACK);
    double maxLag = steady.stream().mapToDouble(Sample::lag).max().orElse(0);
    assertTrue(maxLag <= LAG_ALLOWED.toSeconds() * RATE, "lag stays under " + LAG_ALLOWED.toSeconds()
        + " s of input: " + maxLag + "\n" + summary);
  }

  private static final class Counts {
    final AtomicLong valid = new AtomicLong();
    final AtomicLong invalid = new AtomicLong();
  }

  private void send(Counts counts, Random random) {
    long n = counts.valid.get() + counts.invalid.get();
    String user = "u-" + random.nextInt(5_000);
    byte[] value;
    if (n % INVALID_EVERY == INVALID_EVERY - 1) {
      value = ("{broken " + n).getBytes(StandardCharsets.UTF_8);
      counts.invalid.incrementAndGet();
    } else {
      value = new JsonObject().put("event_id", "soak-" + n).put("user_id", user)
          .put("page_url", "/p/" + random.nextInt(40))
          .put("event_type", random.nextInt(10) < 7 ? "page_view" : "click")
          .put("timestamp", Instant.now().toString()).encode().getBytes(StandardCharsets.UTF_8);
      counts.valid.incrementAndGet();
    }
    fixture.producer().send(new ProducerRecord<>(fixture.topics.input(), user.getBytes(StandardCharsets.UTF_8), value),
        (metadata, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        });
  }

  private Sample sample(int port, long start, Counts counts) {
    String metrics = scrape(port);
    return new Sample((System.nanoTime() - start) / 1e9, counts.valid.get() + counts.invalid.get(),
        metric(metrics, "jvm_memory_used_bytes", "area=\"heap\""),
        metric(metrics, "jvm_gc_live_data_size_bytes", ""),
        procStatusBytes("VmRSS"), openFiles(), metric(metrics, "pulse_consumer_lag", ""));
  }

  private String scrape(int port) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("/metrics answered " + r.statusCode());
      }
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The sum of a metric's samples in a Prometheus scrape whose labels contain {@code labels}; fails if none. */
  static double metric(String scrape, String name, String labels) {
    double sum = 0;
    boolean found = false;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        int braceEnd = line.indexOf('}');
        String labelText = braceEnd < 0 ? "" : line.substring(name.length(), braceEnd);
        if (labelText.contains(labels)) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          found = true;
        }
      }
    }
    if (!found) {
      throw new IllegalStateException("no " + name + "{" + labels + "} in /metrics");
    }
    return sum;
  }

  private double procStatusBytes(String field) {
    try (Stream<String> lines = Files.lines(Path.of("/proc", String.valueOf(node.pid()), "status"))) {
      String line = lines.filter(l -> l.startsWith(field + ":")).findFirst().orElseThrow();
      return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024; // kB
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private double openFiles() {
    try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(node.pid()), "fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The enriched stream's records as a read_committed consumer sees them, each event id once; fails on a
   * duplicate. Too many for {@link PipelineFixture#readAll}, which keeps every record.
   */
  private long distinctEnrichedIds(long expected) {
    Set<String> ids = new HashSet<>();
    AtomicLong records = new AtomicLong();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        "bootstrap.servers", fixture.infra.kafka.bootstrapServers(), "group.id", "soak-check-" + UUID.randomUUID(),
        "auto.offset.reset", "earliest", "isolation.level", "read_committed", "max.poll.records", "10000"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(fixture.topics.enriched()));
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(10)).until(() -> {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          records.incrementAndGet();
          String id = new JsonObject(new String(r.value(), StandardCharsets.UTF_8)).getString("event_id");
          if (!ids.add(id)) {
            throw new AssertionError("event " + id + " twice in the enriched stream");
          }
        }
        return records.get() >= expected;
      });
      consumer.poll(Duration.ofSeconds(1)).forEach(r -> records.incrementAndGet()); // a duplicate would be right behind
    }
    assertEquals(ids.size(), records.get(), "records in the enriched stream");
    return ids.size();
  }

  private long lakeLong(String expression) {
    List<Map<String, Object>> rows = fixture.duckdb("SELECT " + expression + " AS n FROM LAKE");
    return rows.isEmpty() ? 0 : ((Number) rows.get(0).get("n")).longValue();
  }

  private static void assertFlat(String what, List<Sample> first, List<Sample> second, ToDoubleFunction<Sample> f,
      double slack) {
    double before = average(first, f);
    double after = average(second, f);
    assertTrue(after <= before * GROWTH + slack, String.format(Locale.ROOT,
        "%s grew from %.1f to %.1f (allowed: %.0f %% or %.0f)", what, before, after, (GROWTH - 1) * 100, slack));
  }

  /** The samples taken once the JVM has reported a heap size after a collection (0 before the first). */
  private static List<Sample> collected(List<Sample> samples) {
    return samples.stream().filter(s -> s.heapLiveAfterGc() > 0).toList();
  }

  private static double average(List<Sample> samples, ToDoubleFunction<Sample> f) {
    return samples.stream().mapToDouble(f).average().orElse(Double.NaN);
  }

  private static void writeSamples(List<Sample> samples) throws IOException {
    JsonArray out = new JsonArray();
    samples.forEach(s -> out.add(new JsonObject().put("seconds", Math.round(s.seconds())).put("sent", s.sent())
        .put("heap_used_bytes", s.heapUsed()).put("heap_live_after_gc_bytes", s.heapLiveAfterGc())
        .put("rss_bytes", s.rss()).put("open_files", s.openFiles()).put("consumer_lag", s.lag())));
    Path file = Path.of("target", "soak.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, new JsonObject().put("rate", RATE).put("duration", DURATION.toString())
        .put("samples", out).encodePrettily());
  }

  /** "30m", "90s", "1h" or an ISO-8601 duration. */
  private static Duration duration(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT);
    return Duration.parse(t.startsWith("P") ? t : "PT" + t);
  }
}
