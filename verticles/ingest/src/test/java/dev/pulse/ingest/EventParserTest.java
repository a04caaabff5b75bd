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
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventParserTest {

  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private final EventParser parser = new EventParser(1024, Duration.ofDays(1), Instant.parse("2000-01-01T00:00:00Z"));

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
  void impossibleDatesAndTimesAreBadTimestampsWithOrWithoutAnOffset() {
    // once read without an offset as 2026-02-28T10:00Z and 2026-11-30T00:00Z: a wrong event time, silently
    for (String time : new String[] {"2026-02-30T10:00:00", "2026-02-30T10:00:00Z", "2027-02-29 10:00:00",
        "2026-04-31T10:00:00.000", "2026-11-28T24:00:00", "2026-11-28T24:00:00Z"}) {
      invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":\"" + time + "\"}",
          Reason.BAD_TIMESTAMP);
    }
    assertEquals(Instant.parse("2024-02-29T10:00:00Z").toEpochMilli(), valid("{\"user_id\":\"u\",\"page_url\":\"/\","
        + "\"event_type\":\"click\",\"timestamp\":\"2024-02-29T10:00:00\"}").eventTimeMillis());
  }

  @Test
  void aNullRequiredFieldIsTheWrongTypeWhicheverFieldItIs() {
    // timestamp: null once read as "timestamp is missing" (missing_field), user_id: null as wrong_type
    for (String field : new String[] {"user_id", "page_url", "event_type", "timestamp"}) {
      String json = "{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000}"
          .replace("\"" + field + "\":", "\"" + field + "\":null,\"was\":");
      Invalid i = invalid(json, Reason.WRONG_TYPE);
      assertEquals(field + " is null", i.detail());
    }
  }

  @Test
  void aPageUrlMayHaveUpTo2048BytesOfUtf8() {
    // once 4096 characters, which PostgreSQL's index on page_view_counts cannot hold
    assertInstanceOf(Valid.class, urlEvent("/" + "a".repeat(2047)));
    assertEquals(Reason.FIELD_TOO_LONG, assertInstanceOf(Invalid.class, urlEvent("/" + "a".repeat(2048))).reason());
    assertInstanceOf(Valid.class, urlEvent("/€" + "é".repeat(1021) + "a"));   // 1 + 3 + 2042 + 1 = 2047 bytes
    Invalid i = assertInstanceOf(Invalid.class, urlEvent("/€" + "é".repeat(1022) + "a")); // 1025 chars, 2049 bytes
    assertEquals(Reason.FIELD_TOO_LONG, i.reason());
    assertTrue(i.detail().contains("2048 bytes"), i.detail());
    assertInstanceOf(Valid.class, urlEvent("/" + "\\ud83d\\ude00".repeat(511) + "abc")); // 2048 bytes
    assertInstanceOf(Invalid.class, urlEvent("/" + "\\ud83d\\ude00".repeat(512)));      // 2049 bytes
  }

  private static Result urlEvent(String url) {
    EventParser roomy = new EventParser(64 * 1024, Duration.ofDays(1), Instant.parse("2000-01-01T00:00:00Z"));
    String json = "{\"user_id\":\"u\",\"page_url\":\"" + url + "\",\"event_type\":\"page_view\","
        + "\"timestamp\":1764324000000}";
    return roomy.parse(json.getBytes(StandardCharsets.UTF_8), 1, "id", NOW.toEpochMilli());
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

  @Test
  void yearsBeyondEpochMillisecondsAreOutOfRangeNotAnException() {
    // parses as an instant, but its epoch milliseconds do not fit a long
    Invalid far = invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\","
        + "\"timestamp\":\"+292278995-01-01T00:00:00Z\"}", Reason.TIMESTAMP_OUT_OF_RANGE);
    assertTrue(far.detail().contains("ingest.max.future.skew"), far.detail());
    Invalid early = invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\","
        + "\"timestamp\":\"-292278995-01-01T00:00:00Z\"}", Reason.TIMESTAMP_OUT_OF_RANGE);
    assertTrue(early.detail().contains("ingest.min.event.time"), early.detail());
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":" + Long.MAX_VALUE + "}",
        Reason.TIMESTAMP_OUT_OF_RANGE);
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":" + Long.MIN_VALUE + "}",
        Reason.TIMESTAMP_OUT_OF_RANGE);
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":99999999999999999999999}",
        Reason.BAD_TIMESTAMP);
  }

  @Test
  void nulInAFieldPostgresqlStoresIsRejectedSoEverySinkAgrees() {
    Invalid url = invalid("{\"user_id\":\"u\",\"page_url\":\"/a\\u0000b\",\"event_type\":\"page_view\","
        + "\"timestamp\":1764324000000}", Reason.INVALID_CHARACTER);
    assertTrue(url.detail().startsWith("page_url contains U+0000"), url.detail());
    invalid("{\"user_id\":\"u\\u0000\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000}",
        Reason.INVALID_CHARACTER);
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"page\\u0000view\",\"timestamp\":1764324000000}",
        Reason.INVALID_CHARACTER);
    invalid("{\"event_id\":\"e\\u0000\",\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\","
        + "\"timestamp\":1764324000000}", Reason.INVALID_CHARACTER);
    // a raw NUL byte is a control character JSON allows only escaped: the record is malformed, whatever the field
    invalid("{\"user_id\":\"u\u0000\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000}",
        Reason.MALFORMED_JSON);
    // a pass-through field goes only to the enriched stream, where JSON escapes it
    assertEquals("a\u0000b", valid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\","
        + "\"timestamp\":1764324000000,\"note\":\"a\\u0000b\"}").fields().getString("note"));
  }

  @Test
  void unpairedSurrogatesAnywhereAreRejectedAndPairedOnesKept() {
    Invalid user = invalid("{\"user_id\":\"u\\ud800\",\"page_url\":\"/\",\"event_type\":\"click\","
        + "\"timestamp\":1764324000000}", Reason.UNPAIRED_SURROGATE);
    assertTrue(user.detail().startsWith("user_id holds"), user.detail());
    invalid("{\"user_id\":\"u\\udc00x\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000}",
        Reason.UNPAIRED_SURROGATE);
    Invalid nested = invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000,"
        + "\"ctx\":{\"tags\":[\"ok\",\"\\ud83d\"]}}", Reason.UNPAIRED_SURROGATE);
    assertTrue(nested.detail().startsWith("ctx.tags[1] holds"), nested.detail());
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000,"
        + "\"k\\ud800\":1}", Reason.UNPAIRED_SURROGATE);
    assertEquals("u-\uD83D\uDE00", valid("{\"user_id\":\"u-\\ud83d\\ude00\",\"page_url\":\"/\","
        + "\"event_type\":\"click\",\"timestamp\":1764324000000}").userId());
  }

  @Test
  void aKeyGivenTwiceIsAmbiguousAndRejected() {
    Invalid dup = invalid("{\"user_id\":\"a\",\"user_id\":\"b\",\"page_url\":\"/\",\"event_type\":\"click\","
        + "\"timestamp\":1764324000000}", Reason.DUPLICATE_KEY);
    assertTrue(dup.detail().contains("user_id"), dup.detail());
    invalid("{\"user_id\":\"a\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000,"
        + "\"x\":{\"y\":1,\"y\":2}}", Reason.DUPLICATE_KEY);
    invalid("{\"user_id\":\"a\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000,"
        + "\"x\":[{\"y\":1},{\"z\":[{\"y\":1,\"y\":2}]}]}", Reason.DUPLICATE_KEY);
    // the same name, written with an escape, is the same key
    invalid("{\"user_id\":\"a\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000,"
        + "\"page\\u005furl\":\"/b\"}", Reason.DUPLICATE_KEY);
    // a name seen twice after many others
    StringBuilder many = new StringBuilder("{\"user_id\":\"a\",\"page_url\":\"/\",\"event_type\":\"click\","
        + "\"timestamp\":1764324000000");
    for (int i = 0; i < 40; i++) {
      many.append(",\"f").append(i).append("\":").append(i);
    }
    assertEquals("a", valid(many + "}").userId(), "40 distinct extra keys are fine");
    Invalid late = invalid(many + ",\"f17\":0}", Reason.DUPLICATE_KEY);
    assertTrue(late.detail().contains("f17"), late.detail());
    // the same inner name in two sibling objects is no duplicate
    valid("{\"user_id\":\"a\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000,"
        + "\"x\":{\"y\":1},\"z\":{\"y\":2}}");
  }

  @Test
  void trailingGarbageAndDeepNestingAreMalformed() {
    invalid("{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000} x",
        Reason.MALFORMED_JSON);
    String deep = "{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000,\"d\":"
        + "[".repeat(5_000) + "]".repeat(5_000) + "}";
    EventParser roomy = new EventParser(64 * 1024, Duration.ofDays(1), Instant.parse("2000-01-01T00:00:00Z"));
    Invalid i = assertInstanceOf(Invalid.class, roomy.parse(deep.getBytes(StandardCharsets.UTF_8), 1, "id", NOW.toEpochMilli()));
    assertEquals(Reason.MALFORMED_JSON, i.reason(), i.detail());
  }
}
