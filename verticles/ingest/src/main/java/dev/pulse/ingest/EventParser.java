package dev.pulse.ingest;

import dev.pulse.common.model.ClickEvent;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.util.Map;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;

/**
 * Turns a Kafka record value into a {@link ClickEvent}, or says precisely why it cannot. Not thread-safe
 * (it keeps one UTF-8 decoder); each ingest verticle has its own.
 *
 * <p>Accepted timestamps: ISO-8601 with an offset ({@code 2026-11-28T10:00:01.250Z}), ISO-8601 without one
 * or with a space instead of {@code T} (read as UTC, as Python's {@code isoformat()} writes it), or an integer
 * of epoch milliseconds.
 */
public final class EventParser {

  /** Machine-readable reason codes, sent in the {@code pulse.dlq.reason.code} header. */
  public enum Reason {
    TOMBSTONE, TOO_LARGE, INVALID_UTF8, MALFORMED_JSON, NOT_AN_OBJECT, MISSING_FIELD, WRONG_TYPE, EMPTY_FIELD,
    FIELD_TOO_LONG, BAD_TIMESTAMP, TIMESTAMP_OUT_OF_RANGE, DUPLICATE_KEY, INVALID_CHARACTER, UNPAIRED_SURROGATE,
    /** Parsing or checking the record threw: a defect in Pulse, never a reason to lose the record's neighbours. */
    PROCESSING_ERROR
  }

  public sealed interface Result permits Valid, Invalid {
  }

  public record Valid(ClickEvent event) implements Result {
  }

  public record Invalid(Reason reason, String detail) implements Result {
    public String code() {
      return reason.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  static final int MAX_ID_CHARS = 256;
  static final int MAX_EVENT_TYPE_CHARS = 64;

  private static final DateTimeFormatter LOCAL_DATE_TIME = new DateTimeFormatterBuilder()
      .parseCaseInsensitive()
      .append(DateTimeFormatter.ISO_LOCAL_DATE)
      .optionalStart().appendLiteral('T').optionalEnd()
      .optionalStart().appendLiteral(' ').optionalEnd()
      .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
      .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
      .optionalStart().appendLiteral(':').appendValue(ChronoField.SECOND_OF_MINUTE, 2)
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
      .optionalEnd()
      // SMART (the default) would read 2026-02-30 as 2026-02-28 and 24:00 as the next midnight: a wrong event time.
      .toFormatter()
      .withResolverStyle(ResolverStyle.STRICT);

  /**
   * Strict about duplicate keys: with two {@code user_id}s, readers disagree on which one counts (most keep the
   * last, some the first), so such a record is ambiguous and goes to the dead-letter topic.
   */
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private final int maxEventBytes;
  private final Duration maxFutureSkew;
  private final Instant minEventTime;
  private final Clock clock;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  public EventParser(int maxEventBytes, Duration maxFutureSkew, Instant minEventTime, Clock clock) {
    this.maxEventBytes = maxEventBytes;
    this.maxFutureSkew = maxFutureSkew;
    this.minEventTime = minEventTime;
    this.clock = clock;
  }

  /**
   * @param derivedIdPrefix with the offset appended, the id of an event that has none ({@code topic-partition-})
   */
  public Result parse(byte[] value, long offset, String derivedIdPrefix, long ingestTimeMillis) {
    if (value == null) {
      return invalid(Reason.TOMBSTONE, "record value is null (a tombstone), not an event");
    }
    if (value.length > maxEventBytes) {
      return invalid(Reason.TOO_LARGE, "record value is " + value.length + " bytes, more than ingest.max.event.bytes ("
          + maxEventBytes + ")");
    }
    String text;
    try {
      text = utf8.reset().decode(ByteBuffer.wrap(value)).toString();
    } catch (CharacterCodingException e) {
      return invalid(Reason.INVALID_UTF8, "record value is not valid UTF-8");
    }
    Object parsed;
    try (JsonParser jsonParser = JSON.createParser(text)) {
      parsed = JacksonCodec.fromParser(jsonParser, Object.class);
    } catch (DecodeException e) {
      Throwable cause = e.getCause();
      if (cause instanceof JsonParseException jpe && jpe.getMessage() != null
          && jpe.getMessage().startsWith("Duplicate field")) {
        return invalid(Reason.DUPLICATE_KEY, "the JSON object has a key twice: " + firstLine(jpe.getOriginalMessage()));
      }
      return invalid(Reason.MALFORMED_JSON, "malformed JSON: " + firstLine(e.getMessage()));
    } catch (IOException e) {
      return invalid(Reason.MALFORMED_JSON, "malformed JSON: " + firstLine(e.getMessage()));
    }
    if (!(parsed instanceof JsonObject json)) {
      return invalid(Reason.NOT_AN_OBJECT, "JSON value is " + kind(parsed) + ", not an object");
    }
    // Only a JSON backslash-u escape can produce a lone surrogate (raw bytes of one are invalid UTF-8, rejected above).
    if (text.indexOf("\\u") >= 0) {
      String where = unpairedSurrogate(json, "");
      if (where != null) {
        return invalid(Reason.UNPAIRED_SURROGATE, where + " holds an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF "
            + "escape without its pair): no UTF-8 writer can store it, and replacing it would make distinct values equal");
      }
    }

    Object rawId = json.getValue("event_id");
    String eventId;
    if (rawId == null) {
      eventId = derivedIdPrefix + offset;
    } else if (rawId instanceof String s && !s.isBlank()) {
      if (s.length() > MAX_ID_CHARS) {
        return invalid(Reason.FIELD_TOO_LONG, "event_id is longer than " + MAX_ID_CHARS + " characters");
      }
      if (s.indexOf('\u0000') >= 0) {
        return invalid(Reason.INVALID_CHARACTER, "event_id contains U+0000 (NUL), which PostgreSQL text cannot store");
      }
      eventId = s;
    } else {
      return invalid(rawId instanceof String ? Reason.EMPTY_FIELD : Reason.WRONG_TYPE,
          "event_id must be a non-empty string when present, found " + kind(rawId));
    }

    Result problem = checkString(json, "user_id", MAX_ID_CHARS);
    if (problem != null) {
      return problem;
    }
    problem = checkString(json, "page_url", Integer.MAX_VALUE); // limited in bytes, below
    if (problem != null) {
      return problem;
    }
    if (utf8Length(json.getString("page_url")) > ClickEvent.MAX_PAGE_URL_BYTES) {
      return invalid(Reason.FIELD_TOO_LONG, "page_url is longer than " + ClickEvent.MAX_PAGE_URL_BYTES
          + " bytes in UTF-8, the longest key PostgreSQL's page_view_counts can index");
    }
    problem = checkString(json, "event_type", MAX_EVENT_TYPE_CHARS);
    if (problem != null) {
      return problem;
    }

    Object ts = json.getValue("timestamp");
    long eventTime;
    if (ts == null) {
      // null is a value of the wrong type, as for the other required fields; only an absent key is missing
      return json.containsKey("timestamp") ? invalid(Reason.WRONG_TYPE, "timestamp is null")
          : invalid(Reason.MISSING_FIELD, "timestamp is missing");
    } else if (ts instanceof String s) {
      Instant parsedTime = parseTime(s);
      if (parsedTime == null) {
        return invalid(Reason.BAD_TIMESTAMP, "timestamp '" + abbreviate(s) + "' is not an ISO-8601 date-time");
      }
      // Compared as instants first: far-off years parse but overflow epoch milliseconds.
      if (parsedTime.isBefore(minEventTime) || parsedTime.isAfter(clock.instant().plus(maxFutureSkew))) {
        return outOfRange(parsedTime.toString(), parsedTime.isBefore(minEventTime), false);
      }
      eventTime = parsedTime.toEpochMilli();
    } else if (ts instanceof Integer || ts instanceof Long) {
      eventTime = ((Number) ts).longValue();
    } else if (ts instanceof Number) {
      return invalid(Reason.BAD_TIMESTAMP, "timestamp " + ts + " is not a whole number of epoch milliseconds");
    } else {
      return invalid(Reason.WRONG_TYPE, "timestamp must be a string or a number, found " + kind(ts));
    }
    if (eventTime < minEventTime.toEpochMilli()
        || eventTime > clock.instant().plus(maxFutureSkew).toEpochMilli()) {
      return outOfRange(describe(eventTime), eventTime < minEventTime.toEpochMilli(), ts instanceof Number);
    }
    return new Valid(new ClickEvent(offset, eventId, json.getString("user_id"), json.getString("page_url"),
        json.getString("event_type"), eventTime, ingestTimeMillis, false, json));
  }

  private static Result checkString(JsonObject json, String field, int maxChars) {
    Object v = json.getValue(field);
    if (v == null) {
      return invalid(json.containsKey(field) ? Reason.WRONG_TYPE : Reason.MISSING_FIELD,
          field + (json.containsKey(field) ? " is null" : " is missing"));
    }
    if (!(v instanceof String s)) {
      return invalid(Reason.WRONG_TYPE, field + " must be a string, found " + kind(v));
    }
    if (s.isBlank()) {
      return invalid(Reason.EMPTY_FIELD, field + " is empty");
    }
    if (s.length() > maxChars) {
      return invalid(Reason.FIELD_TOO_LONG, field + " is longer than " + maxChars + " characters");
    }
    if (s.indexOf('\u0000') >= 0) {
      // Every sink must agree on what an event is: the lake and Kafka could keep NUL, PostgreSQL text cannot.
      return invalid(Reason.INVALID_CHARACTER, field + " contains U+0000 (NUL), which PostgreSQL text cannot store");
    }
    return null;
  }

  private static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4; // with its low surrogate (unpaired ones are refused before)
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /** The path of the first string (key or value) holding an unpaired surrogate, or null. */
  private static String unpairedSurrogate(Object value, String path) {
    if (value instanceof String s) {
      return hasUnpairedSurrogate(s) ? (path.isEmpty() ? "the value" : path) : null;
    }
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (hasUnpairedSurrogate(e.getKey())) {
          return "a key in " + (path.isEmpty() ? "the object" : path);
        }
        String found = unpairedSurrogate(e.getValue(), child);
        if (found != null) {
          return found;
        }
      }
    } else if (value instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        String found = unpairedSurrogate(a.getValue(i), path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  static boolean hasUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  static Instant parseTime(String s) {
    String t = s.trim();
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeException ignored) {
      // not ISO with an offset; try without one
    }
    try {
      return LocalDateTime.parse(t, LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private Invalid outOfRange(String time, boolean tooEarly, boolean number) {
    if (tooEarly) {
      return invalid(Reason.TIMESTAMP_OUT_OF_RANGE, "timestamp " + time + " is before ingest.min.event.time ("
          + minEventTime + ")" + (number ? "; Pulse expects epoch milliseconds, not seconds" : ""));
    }
    return invalid(Reason.TIMESTAMP_OUT_OF_RANGE, "timestamp " + time + " is further ahead of this node's clock than "
        + "ingest.max.future.skew (" + maxFutureSkew + ")");
  }

  private static Invalid invalid(Reason reason, String detail) {
    return new Invalid(reason, detail);
  }

  private static String describe(long epochMillis) {
    try {
      return Instant.ofEpochMilli(epochMillis).toString();
    } catch (DateTimeException e) {
      return epochMillis + " ms";
    }
  }

  private static String kind(Object v) {
    if (v == null) {
      return "null";
    } else if (v instanceof JsonArray) {
      return "an array";
    } else if (v instanceof JsonObject) {
      return "an object";
    } else if (v instanceof String) {
      return "a string";
    } else if (v instanceof Number) {
      return "a number";
    } else if (v instanceof Boolean) {
      return "a boolean";
    }
    return v.getClass().getSimpleName();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return abbreviate(nl < 0 ? s : s.substring(0, nl));
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }
}
