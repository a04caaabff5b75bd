package dev.pulse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.model.ClickEvent;
import dev.pulse.ingest.EventParser.Invalid;
import dev.pulse.ingest.EventParser.Reason;
import dev.pulse.ingest.EventParser.Result;
import dev.pulse.ingest.EventParser.Valid;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EventParserTest {

  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private final EventParser parser = new EventParser(1024, Duration.ofDays(1), Instant.parse("2000-01-01T00:00:00Z"),
      Clock.fixed(NOW, ZoneOffset.UTC));

  private Result parse(String json) {
    return parser.parse(json.getBytes(StandardCharsets.UTF_8), 7, "user_activity-0-", NOW.toEpochMilli());
  }

  private ClickEvent valid(String json) {
    return assertInstanceOf(Valid.class, parse(json)).event();
  }

  private Invalid invalid(String json, Reason expected) {
    Invalid invalid = assertInstanceOf(Invalid.class, parse(json));
    assertEquals(expected, invalid.reason(), invalid.detail());
    return invalid;
  }

  @Test
  void aCompleteEventKeepsItsIdAndEveryField() {
    ClickEvent e = valid("{\"event_id\":\"e-1\",\"user_id\":\"u-42\",\"page_url\":\"/products/7\","
        + "\"event_type\":\"page_view\",\"timestamp\":\"2026-11-28T10:00:01.250Z\",\"referrer\":\"ad\"}");
    assertEquals("e-1", e.eventId());
    assertEquals("u-42", e.userId());
    assertEquals("/products/7", e.pageUrl());
    assertTrue(e.isPageView());
    assertEquals(Instant.parse("2026-11-28T10:00:01.250Z").toEpochMilli(), e.eventTimeMillis());
    assertEquals("ad", e.fields().getString("referrer"));
    assertEquals(7, e.offset());
  }

  @Test
  void withoutAnEventIdTheIdIsDerivedFromTheRecordPosition() {
    ClickEvent e = valid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000}");
    assertEquals("user_activity-0-7", e.eventId());
    assertEquals(1764324000000L, e.eventTimeMillis());
  }

  @Test
  void timestampsWithoutAnOffsetAreUtc() {
    assertEquals(Instant.parse("2026-11-28T10:00:01.250Z").toEpochMilli(),
        valid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":\"2026-11-28T10:00:01.250000\"}")
            .eventTimeMillis());
    assertEquals(Instant.parse("2026-11-28T10:00:01Z").toEpochMilli(),
        valid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":\"2026-11-28 10:00:01\"}")
            .eventTimeMillis());
    assertEquals(Instant.parse("2026-11-28T08:00:00Z").toEpochMilli(),
        valid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":\"2026-11-28T10:00:00+02:00\"}")
            .eventTimeMillis());
  }

  @Test
  void everyKindOfBadInputHasItsOwnReason() {
    invalid("not json", Reason.MALFORMED_JSON);
    invalid("[1,2]", Reason.NOT_AN_OBJECT);
    invalid("\"text\"", Reason.NOT_AN_OBJECT);
    invalid("{\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000}", Reason.MISSING_FIELD);
    invalid("{\"user_id\":\"u\",\"page_url\":\"\",\"event_type\":\"click\",\"timestamp\":1764324000000}",
        Reason.EMPTY_FIELD);
    invalid("{\"user_id\":42,\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000}",
        Reason.WRONG_TYPE);
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":\"yesterday\"}",
        Reason.BAD_TIMESTAMP);
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":\"9999-12-31T23:59:59Z\"}",
        Reason.TIMESTAMP_OUT_OF_RANGE);
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":true}", Reason.WRONG_TYPE);
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\"}", Reason.MISSING_FIELD);
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000.5}",
        Reason.BAD_TIMESTAMP);
  }

  @Test
  void epochSecondsAreRejectedWithAHint() {
    Invalid i = invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000}",
        Reason.TIMESTAMP_OUT_OF_RANGE);
    assertTrue(i.detail().contains("milliseconds"), i.detail());
  }

  @Test
  void nullValuesOversizedValuesAndInvalidUtf8AreRejectedBeforeParsing() {
    assertEquals(Reason.TOMBSTONE,
        assertInstanceOf(Invalid.class, parser.parse(null, 1, "id", 0)).reason());
    assertEquals(Reason.TOO_LARGE,
        assertInstanceOf(Invalid.class, parser.parse(new byte[1025], 1, "id", 0)).reason());
    byte[] badUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    assertEquals(Reason.INVALID_UTF8,
        assertInstanceOf(Invalid.class, parser.parse(badUtf8, 1, "id", 0)).reason());
  }
}
