package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pulse.common.model.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Every kind of bad input reaches the dead-letter topic unchanged, with its reason, and the stream goes on. */
class BadInputIT {

  private static final Instant T0 = Instant.parse("2026-01-15T10:00:00Z");
  private static final int VALID = 70;

  @AutoClose
  private PipelineFixture fixture;

  private record Bad(String expectedCode, byte[] value) {
  }

  @Test
  void withAnEnricherInvalidRecordsAreDeadLetteredInItsTransactions() {
    // (this test also covers the classic, cooperative-sticky group protocol; the others use KIP-848)
    badInputIsDeadLetteredAndTheStreamGoesOn(Map.of("ingest.max.event.bytes", "256KB",
        "ingest.group.protocol", "classic"));
  }

  @Test
  void withoutAnEnricherIngestDeadLettersInvalidRecordsItself() {
    badInputIsDeadLetteredAndTheStreamGoesOn(Map.of("ingest.max.event.bytes", "256KB",
        "roles", "ingest,aggregator"));
  }

  private void badInputIsDeadLetteredAndTheStreamGoesOn(Map<String, String> settings) {
    // Given fourteen bad records of different kinds between seventy valid page views
    fixture = new PipelineFixture(settings);
    fixture.createTopics();
    List<Bad> bad = List.of(
        new Bad("malformed_json", utf8("this is not json")),
        new Bad("not_an_object", utf8("[{\"user_id\":\"u-1\"}]")),
        new Bad("missing_field", utf8("{\"page_url\":\"/\",\"event_type\":\"page_view\",\"timestamp\":\"" + T0 + "\"}")),
        new Bad("empty_field", event("u-1", "", "2026-01-15T10:00:01Z")),
        new Bad("bad_timestamp", event("u-1", "/a", "last tuesday")),
        new Bad("timestamp_out_of_range", event("u-1", "/a", "9999-12-31T23:59:59Z")),
        new Bad("too_large", event("u-1", "/" + "x".repeat(300 * 1024), "2026-01-15T10:00:01Z")),
        new Bad("tombstone", null),
        new Bad("invalid_utf8", new byte[] {'{', '"', 'u', 's', 'e', 'r', '_', 'i', 'd', '"', ':', '"', (byte) 0xFF,
            '"', '}'}),
        new Bad("wrong_type", utf8("{\"user_id\":42,\"page_url\":\"/a\",\"event_type\":\"page_view\",\"timestamp\":\""
            + T0 + "\"}")),
        // parses, but overflows epoch milliseconds: once lost its whole poll batch
        new Bad("timestamp_out_of_range", event("u-1", "/a", "+292278995-01-01T00:00:00Z")),
        // PostgreSQL text cannot hold NUL: once wedged the partition's checkpoints forever
        new Bad("invalid_character", event("u-1", "/a\\u0000b", "2026-01-15T10:00:01Z")),
        // would have been written as '?', making distinct user ids equal
        new Bad("unpaired_surrogate", event("u-\\ud800", "/a", "2026-01-15T10:00:01Z")),
        new Bad("duplicate_key", utf8("{\"user_id\":\"u-1\",\"user_id\":\"u-2\",\"page_url\":\"/a\","
            + "\"event_type\":\"page_view\",\"timestamp\":\"" + T0 + "\"}")));
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < VALID; i++) {
      String ts = T0.plusMillis(100L * i).toString();
      records.add(new ProducerRecord<>(fixture.topics.input(), 0, utf8("u-" + i), event("u-" + i, "/p" + (i % 5), ts)));
      if (i % 5 == 2) {
        Bad b = bad.get(i / 5);
        records.add(new ProducerRecord<>(fixture.topics.input(), 0, utf8("bad-" + i / 5), b.value()));
      }
    }
    records.forEach(fixture::send);

    // When a node reads them
    fixture.startNode();

    // Then every valid event is counted ...
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals(VALID + bad.size(),
        fixture.queryLong("SELECT next_offset FROM pulse_partition_progress WHERE kafka_partition = 0")));
    assertEquals(VALID, fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"));
    if (!settings.containsKey("roles")) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(VALID, lakeRows()));
    }

    // ... and every bad record is in the dead-letter topic, byte for byte, with its reason
    List<ConsumerRecord<byte[], byte[]>> dead = fixture.readAll(fixture.topics.deadLetter(), bad.size());
    assertEquals(bad.size(), dead.size());
    Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
    dead.forEach(r -> byKey.put(new String(r.key(), StandardCharsets.UTF_8), r));
    for (int i = 0; i < bad.size(); i++) {
      ConsumerRecord<byte[], byte[]> r = byKey.get("bad-" + i);
      assertEquals(bad.get(i).expectedCode(), header(r, DeadLetter.HEADER_REASON_CODE), "record bad-" + i);
      assertFalse(header(r, DeadLetter.HEADER_REASON).isBlank());
      assertArrayEquals(bad.get(i).value(), r.value(), "dead-lettered unchanged: bad-" + i);
      assertEquals(fixture.topics.input(), header(r, DeadLetter.HEADER_SOURCE_TOPIC));
    }
    // Count in, count out: valid + dead-lettered = produced
    assertEquals(records.size(), VALID + dead.size());
    fixture.assertNoBlockedEventLoop();
  }

  @Test
  void anEventStampedHoursAheadIsDeadLetteredAndOneMinutesAheadCannotMakeOthersLate() {
    // Given a partition receiving on-time page views, one stamped six hours ahead of the clock, and one two
    // minutes ahead (within ingest.max.future.skew)
    fixture = new PipelineFixture(Map.of());
    fixture.createTopics();
    Instant now = Instant.now();
    fixture.send(0, "u-a", event("u-a", "/now", now.minusSeconds(5).toString()));
    fixture.send(0, "u-future", event("u-future", "/future", now.plus(Duration.ofHours(6)).toString()));
    fixture.send(0, "u-soon", event("u-soon", "/soon", now.plus(Duration.ofMinutes(2)).toString()));
    for (int i = 0; i < 20; i++) {
      fixture.send(0, "u-" + i, event("u-" + i, "/now", now.minusSeconds(3).toString()));
    }

    // When a node reads them
    fixture.startNode();

    // Then the far one is dead-lettered, the near one counted, and none of the on-time ones is late
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals(23,
        fixture.queryLong("SELECT next_offset FROM pulse_partition_progress WHERE kafka_partition = 0")));
    assertEquals(21, fixture.queryLong("SELECT sum(view_count) FROM page_view_counts WHERE page_url = '/now'"));
    assertEquals(1, fixture.queryLong("SELECT sum(view_count) FROM page_view_counts WHERE page_url = '/soon'"));
    assertEquals(0, fixture.queryLong("SELECT late_events FROM pulse_partition_progress WHERE kafka_partition = 0"));
    List<ConsumerRecord<byte[], byte[]>> dead = fixture.readAll(fixture.topics.deadLetter(), 1);
    assertEquals(List.of("u-future"), dead.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList());
    assertEquals("timestamp_out_of_range", header(dead.get(0), DeadLetter.HEADER_REASON_CODE));
  }

  private long lakeRows() {
    List<Map<String, Object>> rows = fixture.duckdb("SELECT count(*) AS n FROM LAKE");
    return rows.isEmpty() ? 0 : ((Number) rows.get(0).get("n")).longValue();
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static byte[] event(String user, String url, String timestamp) {
    return utf8("{\"user_id\":\"" + user + "\",\"page_url\":\"" + url + "\",\"event_type\":\"page_view\","
        + "\"timestamp\":\"" + timestamp + "\"}");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unused")
  private static String show(byte[] b) {
    return b == null ? "null" : Arrays.toString(b);
  }
}
