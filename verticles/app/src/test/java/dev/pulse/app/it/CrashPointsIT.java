package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import dev.pulse.app.verify.Consistency;
import dev.pulse.app.verify.ConsistencyReport;
import dev.pulse.app.verify.VerifyRange;
import dev.pulse.app.verify.VerifyTarget;
import dev.pulse.common.CrashPoints;
import dev.pulse.common.model.DeadLetter;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.enricher.EnricherOptions;
import dev.pulse.ingest.IngestOptions;
import dev.pulse.lake.LakeFileName;
import dev.pulse.lake.LakeIndex;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The only node, in a JVM of its own, halts (as abruptly as SIGKILL) at one of the moments a crash is most
 * dangerous, mid-stream; a node started again must leave every output exact: each valid event once in the lake and
 * in the enriched stream, each invalid record once in the dead-letter topic, each page view counted once, and every
 * closed window of PostgreSQL equal to its recount from the lake.
 */
class CrashPointsIT {

  /** Events either side of midnight UTC, so every lake roll has two files (two event_date folders). */
  private static final Instant MIDNIGHT = Instant.parse("2026-01-16T00:00:00Z");
  private static final int PARTITIONS = 3;
  /** Events sent after the crash, while no node runs. */
  private static final int AFTER_CRASH = 600;
  /** At most this many events before the crash: the stream lasts at most half a minute. */
  private static final int BEFORE_CRASH_AT_MOST = 15_000;
  /** The ingest group's session timeout: the smallest the test broker allows. */
  private static final int SESSION_TIMEOUT_MS = 5_000;

  private PipelineFixture fixture;
  private NodeProcess crashing;

  static Stream<Arguments> crashPoints() {
    // Early hits, so that the crash comes mid-stream, and not the first, so that it comes after commits of its kind.
    // The aggregator and the enricher commit each partition on its own, side by side, and the hits count across
    // partitions: the first PARTITIONS hits before a commit can all be first commits still in flight (seen: the
    // enricher's three first transactions reached the point within 2 ms, and nothing had committed). The
    // (PARTITIONS + 1)-th is a partition's second, which comes only once its first commit returned.
    return Stream.of(
        Arguments.of(CrashPoints.LAKE_BETWEEN_RENAMES, 2),
        Arguments.of(CrashPoints.LAKE_BEFORE_PROGRESS, 2),
        Arguments.of(CrashPoints.AGGREGATOR_BEFORE_COMMIT, PARTITIONS + 1),
        Arguments.of(CrashPoints.AGGREGATOR_AFTER_COMMIT, 3),
        Arguments.of(CrashPoints.ENRICHER_BEFORE_COMMIT, PARTITIONS + 1),
        Arguments.of(CrashPoints.ENRICHER_AFTER_COMMIT, 3));
  }

  @AfterEach
  void stop() {
    if (crashing != null) {
      crashing.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  @ParameterizedTest(name = "{0}:{1}")
  @MethodSource("crashPoints")
  void aCrashAtTheMostDangerousMomentLeavesEveryOutputExact(String point, int hit) throws Exception {
    // Given the only node, in its own JVM, armed to halt at the point's hit, reading all partitions
    fixture = new PipelineFixture(Map.of("topics.partitions", String.valueOf(PARTITIONS),
        "watermark.allowed.lateness", "10m", "lake.roll.interval", "250ms"));
    fixture.createTopics();
    shortenGroupSession();
    crashing = NodeProcess.start(fixture, "crash-" + point, Map.of(),
        List.of("-D" + CrashPoints.PROPERTY + "=" + point + ":" + hit));
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.queryLong(
        "SELECT count(*) FROM pulse_partition_progress") == PARTITIONS);

    // When events around midnight, some invalid, stream in until the node halts at that point
    ClickStream stream = new ClickStream();
    stream.sendWhile(crashing::isAlive, BEFORE_CRASH_AT_MOST);
    assertTrue(crashing.awaitExit(Duration.ofSeconds(60)), "the node never reached " + point + ":" + hit
        + ", see " + crashing.log());
    assertEquals(CrashPoints.EXIT_STATUS, crashing.exitValue(), "see " + crashing.log());
    assertTrue(crashing.output().contains(CrashPoints.HALT_MESSAGE + point + " (hit " + hit + ")"),
        "see " + crashing.log());
    long sentBeforeCrash = stream.records;
    // A committed Kafka transaction's offsets show in the group a moment after the commit (the coordinator
    // writes its markers asynchronously, also when the producer is gone): wait for them.
    Progress[] atCrash = new Progress[1];
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      atCrash[0] = progress();
      assertTrue(crashedSink(point, atCrash[0]) > 0, "nothing of the crashing sink committed before the crash, "
          + atCrash[0] + " of " + sentBeforeCrash + " sent, see " + crashing.log());
    });
    long crashedSink = crashedSink(point, atCrash[0]);
    assertTrue(crashedSink < sentBeforeCrash, "the crashing sink had committed part of the "
        + sentBeforeCrash + " records sent: " + atCrash[0]);
    if (point.equals(CrashPoints.LAKE_BETWEEN_RENAMES)) {
      assertTrue(hasIncompleteRoll(), "the crash left a roll with one file of two renamed");
    }

    // ... the stream goes on while no node runs, then closes every window, and a node without the crash point starts
    stream.send(AFTER_CRASH);
    stream.close();
    long total = stream.records;
    long restart = System.nanoTime();
    PulseNode node = fixture.startNode();
    await().atMost(Duration.ofSeconds(90)).until(() -> progress().equals(new Progress(total, total, total)));
    long recoveredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart);

    // Then the lake holds every valid event once
    int valid = stream.ids.size();
    assertEquals(stream.records - stream.invalid, valid, "event ids are unique in the input");
    assertEquals(valid, fixture.lakeCount("count(*)"));
    assertEquals(valid, fixture.lakeCount("count(DISTINCT event_id)"));
    Set<String> lakeIds = new HashSet<>();
    fixture.duckdb("SELECT event_id FROM LAKE").forEach(r -> lakeIds.add((String) r.get("event_id")));
    assertEquals(stream.ids, lakeIds);

    // ... so does the enriched stream, for a read_committed consumer
    List<JsonObject> enriched = fixture.readEnriched(valid);
    assertEquals(valid, enriched.size(), "no enriched event twice");
    assertEquals(stream.ids, new HashSet<>(enriched.stream().map(e -> e.getString("event_id")).toList()));

    // ... the dead-letter topic every invalid record once (written in the enricher's transactions)
    List<ConsumerRecord<byte[], byte[]>> dead = fixture.readAll(fixture.topics.deadLetter(), stream.invalid);
    assertEquals(stream.invalid, dead.size(), "no dead letter twice");
    Set<String> deadSources = new HashSet<>();
    dead.forEach(r -> deadSources.add(header(r, DeadLetter.HEADER_SOURCE_PARTITION) + "/"
        + header(r, DeadLetter.HEADER_SOURCE_OFFSET)));
    assertEquals(stream.invalid, deadSources.size(), "each invalid record dead-lettered once");

    // ... PostgreSQL counts each page view once (none is late), and every closed window matches the lake's recount
    assertEquals(stream.pageViews, fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"));
    ConsistencyReport report = Consistency.check(new VerifyTarget(fixture.lakeDir, fixture.pg(),
        fixture.topics.input()), VerifyRange.ALL);
    assertTrue(report.consistent(), () -> String.join("\n", report.textLines()));
    assertEquals(4, report.pageViews().windows(), "the four minutes around midnight are closed and compared");
    assertEquals(stream.pageViews, report.pageViews().pgViews(), () -> String.join("\n", report.textLines()));
    assertTrue(report.activeUsers().windows() > 0, () -> String.join("\n", report.textLines()));
    fixture.assertNoBlockedEventLoop();

    System.out.printf("crash point %s:%d | sent %d records (%d before the crash): %d valid, %d page views, %d invalid"
            + " | committed at the crash: lake %d, PostgreSQL %d, enriched %d | after the restart: lake %d rows (%d "
            + "distinct), enriched %d, dead letters %d, page views %d, %d windows compared, %d differences | "
            + "recovered in %d ms%n", point, hit, total, sentBeforeCrash, valid, stream.pageViews, stream.invalid,
        atCrash[0].lake(), atCrash[0].pg(), atCrash[0].enricher(), fixture.lakeCount("count(*)"), fixture.lakeCount("count(DISTINCT event_id)"),
        enriched.size(), dead.size(), fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"),
        report.pageViews().windows(), report.differences().size(), recoveredMs);
    fixture.stopNode(node);
  }

  /**
   * The test's input and what it holds: events (ids ev-0 …) keyed by 400 users over the partitions, times within two
   * minutes either side of midnight, every third a click and the others page views; after every 100th event an
   * invalid record (broken JSON, or no timestamp); and at the close one click per partition a quarter of an hour
   * later, which moves every watermark past the stream's windows. Nothing is late: the allowed lateness is 10 minutes.
   */
  private final class ClickStream {
    final SplittableRandom random = new SplittableRandom(42);
    final Set<String> ids = new HashSet<>();
    long records;
    long pageViews;
    int invalid;
    int events;

    /** About 500 events a second while {@code go} holds, at most {@code max}. */
    void sendWhile(BooleanSupplier go, int max) throws InterruptedException {
      long start = System.nanoTime();
      for (int i = 0; i < max && go.getAsBoolean(); i += 50) {
        send(50);
        fixture.producer().flush();
        long wait = start + TimeUnit.MILLISECONDS.toNanos(2 * (i + 50)) - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
    }

    void send(int count) {
      for (int n = 0; n < count; n++) {
        int i = events++;
        String id = "ev-" + i;
        String user = "u-" + random.nextInt(400);
        Instant t = MIDNIGHT.minusSeconds(120).plusMillis(random.nextLong(240_000));
        boolean pageView = i % 3 != 0;
        JsonObject event = new JsonObject().put("event_id", id).put("user_id", user).put("page_url", "/p/" + (i % 17))
            .put("event_type", pageView ? "page_view" : "click").put("timestamp", t.toString());
        send(null, user, event.encode());
        ids.add(id);
        pageViews += pageView ? 1 : 0;
        if (i % 100 == 0) {
          send(null, user, i % 200 == 0 ? "{broken " + i : event.copy().put("event_id", "bad-" + i)
              .putNull("timestamp").encode());
          invalid++;
        }
      }
    }

    void close() {
      for (int p = 0; p < PARTITIONS; p++) {
        String id = "closer-" + p;
        send(p, "u-closer", new JsonObject().put("event_id", id).put("user_id", "u-closer").put("page_url", "/closer")
            .put("event_type", "click").put("timestamp", MIDNIGHT.plusSeconds(900).toString()).encode());
        ids.add(id);
      }
      fixture.producer().flush();
    }

    private void send(Integer partition, String key, String value) {
      fixture.producer().send(new ProducerRecord<>(fixture.topics.input(), partition, bytes(key), bytes(value)));
      records++;
    }
  }

  /**
   * The node started again gets the partitions once the group has given up on the dead one: after its session
   * timeout (45 s by default, 10 s on the test broker). The broker's smallest keeps the test short.
   */
  private void shortenGroupSession() throws Exception {
    String group = IngestOptions.from(fixture.config(), fixture.namespace).groupId();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", fixture.infra.kafka.bootstrapServers()))) {
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
              new AlterConfigOp(new ConfigEntry("consumer.session.timeout.ms", String.valueOf(SESSION_TIMEOUT_MS)),
                  AlterConfigOp.OpType.SET))))
          .all().get(30, TimeUnit.SECONDS);
    }
  }

  private static long crashedSink(String point, Progress progress) {
    return point.startsWith("lake.") ? progress.lake()
        : point.startsWith("aggregator.") ? progress.pg() : progress.enricher();
  }

  /** How far each sink's durable output reaches, as the sum of its next offsets over the partitions. */
  private record Progress(long lake, long pg, long enricher) {
  }

  private Progress progress() throws Exception {
    long lake = LakeIndex.committed(fixture.lakeDir).values().stream().mapToLong(SinkCheckpoint::nextOffset).sum();
    long pg = Math.max(0, fixture.queryLong("SELECT coalesce(sum(next_offset), 0) FROM pulse_partition_progress"));
    String group = EnricherOptions.from(fixture.config(), fixture.namespace).groupId();
    long enricher;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", fixture.infra.kafka.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      enricher = offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
    }
    return new Progress(lake, pg, enricher);
  }

  /** Whether the lake holds a roll of which only some files were renamed into place. */
  private boolean hasIncompleteRoll() throws IOException {
    Map<LakeFileName.Roll, Integer> files = new HashMap<>();
    try (Stream<Path> all = Files.walk(fixture.lakeDir)) {
      all.map(p -> LakeFileName.parse(p.getFileName().toString())).flatMap(java.util.Optional::stream)
          .forEach(n -> files.merge(n.roll(), 1, Integer::sum));
    }
    return files.entrySet().stream().anyMatch(e -> e.getValue() < e.getKey().files());
  }


  private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
    return r.headers().lastHeader(key) == null ? null
        : new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
