package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import dev.pulse.app.it.HostileRecords.Hostile;
import dev.pulse.app.it.HostileRecords.Limits;
import dev.pulse.common.model.DeadLetter;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 100,000 records, about 40 % of them hostile (random bytes, invalid and CESU-8 UTF-8, truncated and 2,000-deep
 * JSON, oversized values, edge timestamps, NUL, lone surrogates, duplicate keys ...), each labelled by
 * {@link HostileRecords} from how it was built. Every record is accounted for on its own: a valid one is in the
 * enriched stream once and in the lake once, an invalid one in the dead-letter topic once with its reason; no
 * partition stalls and page views are exact.
 */
class HostileInputIT {

  private static final Logger LOG = LoggerFactory.getLogger(HostileInputIT.class);
  private static final long SEED = 20261129L;
  private static final int RECORDS = 100_000;
  private static final int PARTITIONS = 4;
  /** Every this many records one huge one: exactly ingest.max.event.bytes, one byte more, or up to 1 MB. */
  private static final int HUGE_EVERY = 2_000;
  /** Under the broker's default message.max.bytes (1 MB), which holds a record's batch too. */
  private static final int LARGEST_HUGE = 1_000_000;

  @AutoClose
  private PipelineFixture fixture;

  /** A record as sent, where it landed, and (for an invalid one) its value to compare with the dead letter. */
  private record Sent(Hostile hostile, int partition, long offset) {
  }

  @Test
  void everyHostileRecordIsDeadLetteredOnceEveryValidOneDeliveredOnceAndNoPartitionStalls() {
    // Given a node with every sink and the dashboard, and an allowed lateness long enough that no event of the
    // last minutes is late however far the node lags: only the events stamped years ago are
    fixture = new PipelineFixture(Map.of("topics.partitions", String.valueOf(PARTITIONS),
        "roles", "ingest,aggregator,lake-writer,enricher,dashboard",
        "ingest.max.event.bytes", "256KB", "ingest.max.future.skew", "5m",
        "ingest.min.event.time", "2000-01-01T00:00:00Z", "watermark.allowed.lateness", "10m",
        "lake.roll.interval", "1s"));
    PulseNode node = fixture.startNode();

    // When 100,000 records, current ones first on every partition, are sent as fast as the broker takes them
    HostileRecords generator = new HostileRecords(SEED, Clock.systemUTC(), Limits.defaults());
    Sent[] sent = new Sent[RECORDS];
    AtomicReference<Exception> sendFailure = new AtomicReference<>();
    long start = System.nanoTime();
    for (int seq = 0; seq < RECORDS; seq++) {
      Hostile h = seq < PARTITIONS ? generator.plain(seq)
          : seq % HUGE_EVERY == HUGE_EVERY - 1 ? generator.huge(seq, LARGEST_HUGE) : generator.next(seq);
      int partition = seq % PARTITIONS;
      int index = seq;
      Hostile kept = h.valid() ? withoutValue(h) : h; // the valid ones' bytes are not needed again
      fixture.producer().send(new ProducerRecord<>(fixture.topics.input(), partition,
          h.key().getBytes(StandardCharsets.UTF_8), h.value()), (metadata, e) -> {
            if (e != null) {
              sendFailure.compareAndSet(null, e);
            } else {
              sent[index] = new Sent(kept, metadata.partition(), metadata.offset());
            }
          });
    }
    fixture.producer().flush();
    double sendSeconds = (System.nanoTime() - start) / 1e9;
    assertEquals(null, sendFailure.get(), "the broker took every record");

    Map<String, Integer> kinds = new TreeMap<>();
    for (Sent s : sent) {
      kinds.merge(s.hostile().kind(), 1, Integer::sum);
    }
    long valid = java.util.Arrays.stream(sent).filter(s -> s.hostile().valid()).count();
    long pageViews = java.util.Arrays.stream(sent).filter(s -> s.hostile().countedAsPageView()).count();
    long invalid = RECORDS - valid;
    LOG.info("sent {} records ({} valid, {} invalid) in {} s; kinds: {}", RECORDS, valid, invalid,
        String.format("%.1f", sendSeconds), kinds);

    // Then every record is read past and checkpointed ...
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(next_offset), 0) FROM pulse_partition_progress") == RECORDS);
    double processSeconds = (System.nanoTime() - start) / 1e9;
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> lakeLong("SELECT count(*) AS n FROM LAKE") == valid);
    double lakeSeconds = (System.nanoTime() - start) / 1e9;
    LOG.info("all {} records checkpointed after {} s ({} records/s), the lake complete after {} s", RECORDS,
        String.format("%.1f", processSeconds), Math.round(RECORDS / processSeconds), String.format("%.1f", lakeSeconds));

    // ... every valid event is in the lake once, at its offset, late exactly when stamped years ago ...
    Map<String, Sent> validById = new HashMap<>();
    Map<String, Sent> invalidByKey = new HashMap<>();
    for (Sent s : sent) {
      if (s.hostile().valid()) {
        validById.put(expectedId(s), s);
      } else {
        invalidByKey.put(s.hostile().key(), s);
      }
    }
    List<String> wrong = new ArrayList<>();
    Map<String, Integer> inLake = new HashMap<>();
    for (Map<String, Object> row : fixture.duckdb(
        "SELECT event_id, is_late, kafka_partition, kafka_offset FROM LAKE")) {
      String id = (String) row.get("event_id");
      inLake.merge(id, 1, Integer::sum);
      Sent s = validById.get(id);
      if (s == null) {
        wrong.add("lake: unexpected event " + id);
      } else if (((Number) row.get("kafka_partition")).intValue() != s.partition()
          || ((Number) row.get("kafka_offset")).longValue() != s.offset()
          || (Boolean) row.get("is_late") != s.hostile().late()) {
        wrong.add("lake: " + id + " (" + s.hostile().kind() + ") as " + row + ", sent to " + s.partition() + "@"
            + s.offset() + (s.hostile().late() ? ", late" : ""));
      }
    }
    validById.keySet().forEach(id -> {
      if (inLake.getOrDefault(id, 0) != 1) {
        wrong.add("lake: " + id + " (" + validById.get(id).hostile().kind() + ") " + inLake.getOrDefault(id, 0) + " times");
      }
    });

    // ... and in the enriched stream once ...
    Map<String, Integer> inEnriched = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : fixture.readAll(fixture.topics.enriched(), (int) valid)) {
      JsonObject e = new JsonObject(new String(r.value(), StandardCharsets.UTF_8));
      String id = e.getString("event_id");
      inEnriched.merge(id, 1, Integer::sum);
      Sent s = validById.get(id);
      if (s == null) {
        wrong.add("enriched: unexpected event " + id);
      } else if (e.getBoolean("is_late") != s.hostile().late()) {
        wrong.add("enriched: " + id + " (" + s.hostile().kind() + ") is_late " + e.getBoolean("is_late"));
      }
    }
    validById.keySet().forEach(id -> {
      if (inEnriched.getOrDefault(id, 0) != 1) {
        wrong.add("enriched: " + id + " (" + validById.get(id).hostile().kind() + ") "
            + inEnriched.getOrDefault(id, 0) + " times");
      }
    });

    // ... every invalid record is in the dead-letter topic once, unchanged, from where it was sent, with its reason
    Map<String, Integer> inDlq = new HashMap<>();
    List<ConsumerRecord<byte[], byte[]>> dead = fixture.readAll(fixture.topics.deadLetter(), (int) invalid);
    for (ConsumerRecord<byte[], byte[]> r : dead) {
      String key = new String(r.key(), StandardCharsets.UTF_8);
      inDlq.merge(key, 1, Integer::sum);
      Sent s = invalidByKey.get(key);
      if (s == null) {
        wrong.add("dead-lettered, but valid: " + key + " (" + kindOf(sent, key) + ") for "
            + header(r, DeadLetter.HEADER_REASON));
        continue;
      }
      String code = header(r, DeadLetter.HEADER_REASON_CODE);
      if (s.hostile().reason() != null && !s.hostile().reason().equals(code)) {
        wrong.add("dead letter " + key + " (" + s.hostile().kind() + "): " + code + " instead of "
            + s.hostile().reason() + ": " + header(r, DeadLetter.HEADER_REASON));
      }
      if (!String.valueOf(s.partition()).equals(header(r, DeadLetter.HEADER_SOURCE_PARTITION))
          || !String.valueOf(s.offset()).equals(header(r, DeadLetter.HEADER_SOURCE_OFFSET))) {
        wrong.add("dead letter " + key + " names source " + header(r, DeadLetter.HEADER_SOURCE_PARTITION) + "@"
            + header(r, DeadLetter.HEADER_SOURCE_OFFSET) + ", sent to " + s.partition() + "@" + s.offset());
      }
      assertArrayEquals(s.hostile().value(), r.value(), "dead-lettered unchanged: " + key);
    }
    invalidByKey.forEach((key, s) -> {
      if (inDlq.getOrDefault(key, 0) != 1) {
        wrong.add("dead letter " + key + " (" + s.hostile().kind() + ", " + s.hostile().reason() + ") "
            + inDlq.getOrDefault(key, 0) + " times");
      }
    });
    assertEquals(List.of(), wrong.subList(0, Math.min(wrong.size(), 40)), wrong.size() + " records misplaced");
    assertEquals(RECORDS, inEnriched.size() + dead.size(), "valid + dead-lettered = sent");

    // ... page views are exact, and no partition is stalled or behind
    assertEquals(pageViews, fixture.queryLong("SELECT coalesce(sum(view_count), 0) FROM page_view_counts"));
    LOG.info("{} sent: {} valid, each once in the lake and the enriched stream; {} dead-lettered once each; {} page "
        + "views counted", RECORDS, inEnriched.size(), dead.size(), pageViews);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertEquals(200, fixture.health(node).status(), () -> fixture.health(node).body());
      assertEquals(0.0, PipelineFixture.metric(node, "pulse.consumer.lag", Map.of()), "consumer lag");
    });
    fixture.assertNoBlockedEventLoop();
  }

  @Test
  void aRecordAsLargeAsTheBrokerTakesIsDeadLetteredWhole() {
    // Given a record within 100 bytes of the largest the input topic takes (the broker's message.max.bytes, with
    // a batch's overhead), then a valid one
    fixture = new PipelineFixture(Map.of("topics.partitions", "1",
        "roles", "ingest,aggregator,lake-writer,enricher,dashboard"));
    PulseNode node = fixture.startNode();
    HostileRecords generator = new HostileRecords(SEED, Clock.systemUTC(), Limits.defaults());
    Hostile largest = generator.ofSize(0, largestInputRecord() - 100);
    Hostile after = generator.plain(1);
    fixture.send(0, largest.key(), largest.value());
    fixture.send(0, after.key(), after.value());

    // Then it is dead-lettered whole, and the event after it goes on
    List<ConsumerRecord<byte[], byte[]>> dead = fixture.readAll(fixture.topics.deadLetter(), 1);
    assertEquals(1, dead.size());
    assertEquals("too_large", header(dead.get(0), DeadLetter.HEADER_REASON_CODE));
    assertArrayEquals(largest.value(), dead.get(0).value());
    assertEquals(List.of(after.eventId()), fixture.readEnriched(1).stream().map(e -> e.getString("event_id")).toList());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertEquals(200, fixture.health(node).status(), () -> fixture.health(node).body()));
  }

  @Test
  void anInputTopicTakingRecordsTooLargeToDeadLetterIsRefusedAtStart() throws Exception {
    // Given an input topic that takes 3 MB records, more than a dead letter may be
    fixture = new PipelineFixture(Map.of("topics.partitions", "1"));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", fixture.infra.kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(fixture.topics.input(), 1, (short) 1)
          .configs(Map.of("max.message.bytes", String.valueOf(3 * 1024 * 1024))))).all().get(30, TimeUnit.SECONDS);
    }

    // When a node starts, then it refuses, naming the setting and the value that would do
    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> fixture.startNode());
    assertTrue(refused.getMessage().contains("set max.message.bytes of " + fixture.topics.input() + " to at most "
        + (2 * 1024 * 1024 - 64 * 1024)), refused.getMessage());
  }

  /** The input topic's max.message.bytes, as the broker applies it. */
  private int largestInputRecord() {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", fixture.infra.kafka.bootstrapServers()))) {
      ConfigResource input = new ConfigResource(ConfigResource.Type.TOPIC, fixture.topics.input());
      return Integer.parseInt(admin.describeConfigs(List.of(input)).all().get(30, TimeUnit.SECONDS).get(input)
          .get("max.message.bytes").value());
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the input topic's max.message.bytes", e);
    }
  }

  /** The id Pulse gives the event: its own, or topic-partition-offset when it has none. */
  private String expectedId(Sent s) {
    return s.hostile().eventId() != null ? s.hostile().eventId()
        : fixture.topics.input() + "-" + s.partition() + "-" + s.offset();
  }

  private long lakeLong(String sql) {
    List<Map<String, Object>> rows = fixture.duckdb(sql);
    return rows.isEmpty() ? 0 : ((Number) rows.get(0).get("n")).longValue();
  }

  private static String kindOf(Sent[] sent, String key) {
    return sent[Integer.parseInt(key.substring(2))].hostile().kind();
  }

  private static Hostile withoutValue(Hostile h) {
    return new Hostile(h.seq(), h.kind(), null, h.valid(), h.reason(), h.eventId(), h.pageView(), h.late());
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
  }
}
