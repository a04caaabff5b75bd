package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The Parquet lake and the enriched stream hold every valid event exactly once, across dates and restarts. */
class LakeAndEnrichedIT {

  /** Two minutes either side of midnight UTC, so the lake gets two event_date folders. */
  private static final Instant MIDNIGHT = Instant.parse("2026-01-16T00:00:00Z");

  @AutoClose
  private PipelineFixture fixture;

  @Test
  void everyValidEventIsInTheLakeAndTheEnrichedStreamOnceAcrossMidnight() {
    // Given 3,000 valid events around midnight and 30 invalid records
    fixture = new PipelineFixture(Map.of("watermark.allowed.lateness", "5m"));
    fixture.createTopics();
    Set<String> ids = produce(0, 3_000, 30);

    // When a node reads them
    fixture.startNode();

    // Then DuckDB finds each event once, in the folder of its UTC date, with a UTC timestamp type
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals(3_000L,
        count("SELECT count(*) AS n FROM LAKE")));
    assertEquals(ids, lakeIds());
    assertEquals(List.of("2026-01-15", "2026-01-16"), fixture.duckdb(
        "SELECT DISTINCT CAST(event_date AS VARCHAR) AS d FROM LAKE ORDER BY d").stream()
        .map(r -> (String) r.get("d")).toList());
    assertEquals(0L, count("SELECT count(*) AS n FROM LAKE WHERE CAST(event_date AS VARCHAR)"
        + " <> strftime(event_time AT TIME ZONE 'UTC', '%Y-%m-%d')"));
    assertEquals("TIMESTAMP WITH TIME ZONE", fixture.duckdb("SELECT typeof(event_time) AS t FROM LAKE LIMIT 1")
        .get(0).get("t"));

    // ... and a read_committed consumer of the enriched topic sees each event once, processed after ingest
    List<JsonObject> enriched = fixture.readEnriched(3_000);
    assertEquals(3_000, enriched.size());
    Map<String, Long> ingestTimes = new HashMap<>();
    fixture.duckdb("SELECT event_id, epoch_ms(ingest_time) AS t FROM LAKE")
        .forEach(r -> ingestTimes.put((String) r.get("event_id"), ((Number) r.get("t")).longValue()));
    Set<String> enrichedIds = new HashSet<>();
    for (JsonObject e : enriched) {
      enrichedIds.add(e.getString("event_id"));
      long processed = Instant.parse(e.getString("processing_time")).toEpochMilli();
      assertTrue(processed >= ingestTimes.get(e.getString("event_id")), e.encode());
      assertEquals(e.getString("timestamp").substring(0, 10), e.getString("event_date"));
      assertEquals(Boolean.FALSE, e.getBoolean("is_late"));
      assertEquals("web", e.getString("channel"), "other fields pass through");
    }
    assertEquals(ids, enrichedIds);
    fixture.assertNoBlockedEventLoop();
  }

  @Test
  void aRestartMidStreamLeavesEveryEventOnceInTheLakeAndTheEnrichedStream() {
    // Given a node that has read the first half and was stopped cleanly
    fixture = new PipelineFixture(Map.of("watermark.allowed.lateness", "5m", "lake.roll.interval", "200ms"));
    fixture.createTopics();
    Set<String> ids = new HashSet<>(produce(0, 1_500, 0));
    PulseNode node = fixture.startNode();
    await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) AS n FROM LAKE") == 1_500L);
    fixture.stopNode(node);
    assertEquals(List.of(), tempFiles(), "a clean stop leaves no temporary file");

    // When the second half arrives and a node starts again
    ids.addAll(produce(1_500, 1_500, 0));
    fixture.startNode();

    // Then both outputs hold all 3,000 events, none twice
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals(3_000L,
        count("SELECT count(*) AS n FROM LAKE")));
    assertEquals(3_000L, count("SELECT count(DISTINCT event_id) AS n FROM LAKE"));
    assertEquals(ids, lakeIds());
    List<JsonObject> enriched = fixture.readEnriched(3_000);
    assertEquals(3_000, enriched.size());
    assertEquals(ids, new HashSet<>(enriched.stream().map(e -> e.getString("event_id")).toList()));
    fixture.assertNoBlockedEventLoop();
  }

  @Test
  void filesRollOnSizeAndOnTimeAndNoneIsEmpty() throws Exception {
    // Given small files (64 KB) and a half-second time limit
    fixture = new PipelineFixture(Map.of("watermark.allowed.lateness", "5m", "lake.roll.size", "64KB",
        "lake.roll.interval", "500ms", "topics.partitions", "3"));
    fixture.createTopics();
    PulseNode node = fixture.startNode();

    // When a burst far larger than one file arrives, then a trickle of 5 events
    produce(0, 30_000, 0);
    await().atMost(Duration.ofSeconds(90)).until(() -> count("SELECT count(*) AS n FROM LAKE") == 30_000L);
    long filesAfterBurst = parquetFiles().size();
    produce(30_000, 5, 0);
    await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) AS n FROM LAKE") == 30_005L);

    // Then the burst was cut by size into several files, the trickle was committed by time, none is empty
    assertTrue(filesAfterBurst >= 6, "only " + filesAfterBurst + " files for 30,000 events at 64 KB per file");
    assertTrue(parquetFiles().size() > filesAfterBurst, "the trickle was committed without reaching the size");
    List<Map<String, Object>> perFile = fixture.duckdb(
        "SELECT filename, count(*) AS n FROM read_parquet('" + fixture.lakeDir + "/**/*.parquet', filename = true)"
            + " GROUP BY filename");
    assertEquals(parquetFiles().size(), perFile.size());
    perFile.forEach(r -> assertTrue(((Number) r.get("n")).longValue() > 0, "empty file " + r));
    fixture.stopNode(node);
    assertEquals(List.of(), tempFiles(), "a clean stop leaves no temporary file");
    fixture.assertNoBlockedEventLoop();
  }

  /** Sends {@code count} valid events (ids ev-from …) spread over midnight, and {@code invalid} bad records. */
  private Set<String> produce(int from, int count, int invalid) {
    SplittableRandom random = new SplittableRandom(from);
    Set<String> ids = new HashSet<>();
    for (int i = from; i < from + count; i++) {
      String id = "ev-" + i;
      String user = "u-" + random.nextInt(500);
      Instant t = MIDNIGHT.minusSeconds(120).plusMillis(random.nextLong(240_000));
      String json = new JsonObject().put("event_id", id).put("user_id", user).put("page_url", "/p/" + (i % 17))
          .put("event_type", i % 3 == 0 ? "click" : "page_view").put("timestamp", t.toString())
          .put("channel", "web").encode();
      fixture.producer().send(new ProducerRecord<>(fixture.topics.input(), bytes(user), bytes(json)));
      ids.add(id);
      if (invalid > 0 && i % (count / invalid) == 0) {
        fixture.producer().send(new ProducerRecord<>(fixture.topics.input(), bytes(user), bytes("{oops")));
      }
    }
    fixture.producer().flush();
    return ids;
  }

  private long count(String sql) {
    List<Map<String, Object>> rows = fixture.duckdb(sql);
    return rows.isEmpty() ? 0 : ((Number) rows.get(0).get("n")).longValue();
  }

  private Set<String> lakeIds() {
    Set<String> ids = new HashSet<>();
    fixture.duckdb("SELECT event_id FROM LAKE").forEach(r -> ids.add((String) r.get("event_id")));
    return ids;
  }

  private List<Path> parquetFiles() throws IOException {
    try (Stream<Path> files = Files.walk(fixture.lakeDir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
    }
  }

  private List<String> tempFiles() {
    try (Stream<Path> files = Files.walk(fixture.lakeDir)) {
      return new ArrayList<>(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
