package dev.pulse.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.model.DeadLetter;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.time.WatermarkTracker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** A run of records becomes one batch: valid events marked late or not, invalid ones dead-lettered unchanged. */
class BatchAssemblerTest {

  private static final Instant NOW = Instant.parse("2026-01-15T10:05:00Z");
  private static final PartitionId P = new PartitionId("user_activity", 2);
  private final EventParser parser = new EventParser(1024, Duration.ofMinutes(5), Instant.parse("2000-01-01T00:00:00Z"));

  private static ConsumerRecord<byte[], byte[]> record(long offset, String value) {
    RecordHeaders headers = new RecordHeaders(List.of(new RecordHeader("trace", new byte[] {7})));
    return new ConsumerRecord<>(P.topic(), P.partition(), offset, 1_768_471_500_000L, TimestampType.CREATE_TIME, 3,
        value == null ? -1 : value.length(), "k".getBytes(StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(StandardCharsets.UTF_8), headers, Optional.empty());
  }

  private static String view(String time) {
    return "{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"page_view\",\"timestamp\":\"" + time + "\"}";
  }

  @Test
  void validEventsAreMarkedByTheWatermarkAndInvalidOnesDeadLetteredInOrder() {
    // Given a partition whose watermark is at 10:00:00 (lateness 30 s)
    WatermarkTracker tracker = new WatermarkTracker(30_000, Instant.parse("2026-01-15T10:00:00Z").toEpochMilli(),
        Instant.parse("2026-01-15T10:00:30Z").toEpochMilli());
    BatchAssembler assembler = new BatchAssembler(parser::parse, tracker, P, NOW.toEpochMilli(), 4);

    // When four records arrive: on time, not JSON, late, a tombstone
    assertNull(assembler.add(record(40, view("2026-01-15T10:01:00Z"))));
    assertEquals("malformed_json", assembler.add(record(41, "{oops")).code());
    assertNull(assembler.add(record(42, view("2026-01-15T09:59:59.999Z"))));
    assertEquals("tombstone", assembler.add(record(43, null)).code());

    // Then the batch covers all four offsets and holds the two events, the second one late ...
    EventBatch batch = assembler.batch(true);
    assertEquals(40, batch.firstOffset());
    assertEquals(44, batch.nextOffset());
    assertEquals(List.of(40L, 42L), batch.events().stream().map(e -> e.offset()).toList());
    assertFalse(batch.events().get(0).late());
    assertTrue(batch.events().get(1).late());
    assertEquals(1, assembler.late());
    assertEquals(Instant.parse("2026-01-15T10:00:30Z").toEpochMilli(), batch.watermark(), "10:01:00 minus 30 s");
    // ... and the two refused records unchanged, with the original headers and Pulse's
    assertEquals(List.of(41L, 43L), batch.deadLetters().stream().map(DeadLetter::offset).toList());
    DeadLetter malformed = batch.deadLetters().get(0);
    assertArrayEquals("{oops".getBytes(StandardCharsets.UTF_8), malformed.value());
    assertArrayEquals("k".getBytes(StandardCharsets.UTF_8), malformed.key());
    assertEquals(List.of("trace", DeadLetter.HEADER_REASON, DeadLetter.HEADER_REASON_CODE,
        DeadLetter.HEADER_SOURCE_TOPIC, DeadLetter.HEADER_SOURCE_PARTITION, DeadLetter.HEADER_SOURCE_OFFSET,
        DeadLetter.HEADER_SOURCE_TIMESTAMP), malformed.headers().stream().map(DeadLetter.Header::key).toList());
    assertEquals("41", new String(malformed.headers().get(5).value(), StandardCharsets.UTF_8));
    assertEquals(0, assembler.batch(false).deadLetters().size(), "ingest writes them itself without an enricher");
  }

  @Test
  void aRecordThatMakesTheParserThrowIsDeadLetteredAlone() {
    BatchAssembler.RecordParser throwing = (value, offset, prefix, now) -> {
      if (offset == 1) {
        throw new ArithmeticException("boom");
      }
      return parser.parse(value, offset, prefix, now);
    };
    BatchAssembler assembler = new BatchAssembler(throwing, new WatermarkTracker(30_000), P, NOW.toEpochMilli(), 3);
    assertNull(assembler.add(record(0, view("2026-01-15T10:01:00Z"))));
    assertEquals("processing_error", assembler.add(record(1, view("2026-01-15T10:01:01Z"))).code());
    assertNull(assembler.add(record(2, view("2026-01-15T10:01:02Z"))));
    assertEquals(List.of(0L, 2L), assembler.batch(true).events().stream().map(e -> e.offset()).toList());
  }
}
