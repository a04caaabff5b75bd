package dev.pulse.ingest;

import dev.pulse.common.model.ClickEvent;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
   * last, some the first), so such a record is ambiguous and goes to the dead-letter topic. {@link Fields} compares
   * the top-level keys itself; a record with nested objects or arrays is read once more by {@link #STRICT}.
   */
  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final JsonFactory STRICT = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  /** What {@link #scan} finds: a byte that is not ASCII. */
  private static final int NOT_ASCII = 1;
  /** What {@link #scan} finds: a character escape ({@code \\u}), the only way an unpaired surrogate gets in. */
  private static final int ESCAPED_CHAR = 2;

  private final int maxEventBytes;
  private final Duration maxFutureSkew;
  private final Instant minEventTime;
  private final long minEventTimeMillis;
  private final long maxFutureSkewMillis;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private CharBuffer decoded = CharBuffer.allocate(1024);
  /** Whether records of the common shape are read by {@link Fields#readPlain} (off only to compare the two). */
  private final boolean plainReader;

  public EventParser(int maxEventBytes, Duration maxFutureSkew, Instant minEventTime) {
    this(maxEventBytes, maxFutureSkew, minEventTime, true);
  }

  EventParser(int maxEventBytes, Duration maxFutureSkew, Instant minEventTime, boolean plainReader) {
    this.plainReader = plainReader;
    this.maxEventBytes = maxEventBytes;
    this.maxFutureSkew = maxFutureSkew;
    this.minEventTime = minEventTime;
    this.minEventTimeMillis = minEventTime.toEpochMilli();
    this.maxFutureSkewMillis = maxFutureSkew.toMillis();
  }

  /** The latest event time accepted at {@code now}, in epoch milliseconds. */
  private long latestEventTime(long now) {
    return now > Long.MAX_VALUE - maxFutureSkewMillis ? Long.MAX_VALUE : now + maxFutureSkewMillis;
  }

  /**
   * @param derivedIdPrefix  with the offset appended, the id of an event that has none ({@code topic-partition-})
   * @param ingestTimeMillis the node's clock when the record was read: the event's ingest time, and the "now" that
   *                         {@code ingest.max.future.skew} is measured from
   */
  public Result parse(byte[] value, long offset, String derivedIdPrefix, long ingestTimeMillis) {
    if (value == null) {
      return invalid(Reason.TOMBSTONE, "record value is null (a tombstone), not an event");
    }
    if (value.length > maxEventBytes) {
      return invalid(Reason.TOO_LARGE, "record value is " + value.length + " bytes, more than ingest.max.event.bytes ("
          + maxEventBytes + ")");
    }
    if (plainReader) {
      Fields plain = Fields.readPlain(value);
      if (plain != null) {
        return check(plain, value, offset, derivedIdPrefix, ingestTimeMillis, true, false);
      }
    }
    int bytes = scan(value);
    boolean ascii = (bytes & NOT_ASCII) == 0;
    if (!ascii && !isUtf8(value)) {
      return invalid(Reason.INVALID_UTF8, "record value is not valid UTF-8");
    }
    // Only a \\u escape can put an unpaired surrogate or a NUL into a decoded string: raw control characters are
    // malformed JSON, and the bytes are valid UTF-8.
    boolean escapedChars = (bytes & ESCAPED_CHAR) != 0;
    Fields json;
    try (JsonParser parser = JSON.createParser(value)) {
      json = Fields.read(parser, escapedChars);
      if (json.hasNestedValues()) {
        try (JsonParser strict = STRICT.createParser(value)) {
          while (strict.nextToken() != null) {
            // every token read: the strict parser throws at an inner key seen twice in its object
          }
        }
      }
    } catch (JsonParseException e) {
      if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")) {
        return invalid(Reason.DUPLICATE_KEY, "the JSON object has a key twice: " + firstLine(e.getOriginalMessage()));
      }
      return invalid(Reason.MALFORMED_JSON, "malformed JSON: " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      return invalid(Reason.MALFORMED_JSON, "malformed JSON: " + firstLine(e.getMessage()));
    }
    return check(json, value, offset, derivedIdPrefix, ingestTimeMillis, ascii, escapedChars);
  }

  /**
   * The checks of the fields Pulse uses, on a record read as JSON.
   *
   * @param ascii        the record is ASCII
   * @param escapedChars the record holds a \\u escape
   */
  private Result check(Fields json, byte[] value, long offset, String derivedIdPrefix, long ingestTimeMillis,
      boolean ascii, boolean escapedChars) {
    if (json.rootKind() != null) {
      return invalid(Reason.NOT_AN_OBJECT, "JSON value is " + json.rootKind() + ", not an object");
    }
    if (json.unpairedSurrogateAt() != null) {
      return invalid(Reason.UNPAIRED_SURROGATE, json.unpairedSurrogateAt() + " holds an unpaired UTF-16 surrogate (a "
          + "\\uD800-\\uDFFF escape without its pair): no UTF-8 writer can store it, and replacing it would make "
          + "distinct values equal");
    }

    Object rawId = json.getValue("event_id");
    String eventId;
    if (rawId == null) {
      eventId = derivedIdPrefix + offset;
    } else if (rawId instanceof String s && !s.isBlank()) {
      if (s.length() > MAX_ID_CHARS) {
        return invalid(Reason.FIELD_TOO_LONG, "event_id is longer than " + MAX_ID_CHARS + " characters");
      }
      if (escapedChars && s.indexOf('\u0000') >= 0) {
        return invalid(Reason.INVALID_CHARACTER, "event_id contains U+0000 (NUL), which PostgreSQL text cannot store");
      }
      eventId = s;
    } else {
      return invalid(rawId instanceof String ? Reason.EMPTY_FIELD : Reason.WRONG_TYPE,
          "event_id must be a non-empty string when present, found " + kind(rawId));
    }

    Result problem = checkString(json, "user_id", MAX_ID_CHARS, escapedChars);
    if (problem != null) {
      return problem;
    }
    problem = checkString(json, "page_url", Integer.MAX_VALUE, escapedChars); // limited in bytes, below
    if (problem != null) {
      return problem;
    }
    String pageUrl = json.getString("page_url");
    // ASCII bytes without escapes decode to as many characters as they have bytes
    if ((ascii && !escapedChars ? pageUrl.length() : utf8Length(pageUrl)) > ClickEvent.MAX_PAGE_URL_BYTES) {
      return invalid(Reason.FIELD_TOO_LONG, "page_url is longer than " + ClickEvent.MAX_PAGE_URL_BYTES
          + " bytes in UTF-8, the longest key PostgreSQL's page_view_counts can index");
    }
    problem = checkString(json, "event_type", MAX_EVENT_TYPE_CHARS, escapedChars);
    if (problem != null) {
      return problem;
    }

    Object ts = json.getValue("timestamp");
    long eventTime;
    if (ts == null) {
      // null is a value of the wrong type, as for the other required fields; only an absent key is missing
      return json.containsKey("timestamp") ? invalid(Reason.WRONG_TYPE, "timestamp is null")
          : invalid(Reason.MISSING_FIELD, "timestamp is missing");
    } else if (ts == Fields.PLAIN_TIMESTAMP) {
      eventTime = json.plainTimestamp(); // FastIsoInstant's, read from the bytes: range-checked below
    } else if (ts instanceof String s) {
      long fast = FastIsoInstant.parse(s);
      if (fast != FastIsoInstant.NOT_THIS_SHAPE) {
        eventTime = fast; // range-checked below, as epoch milliseconds (years 1-9999 cannot overflow)
      } else {
        Instant parsedTime = parseTime(s);
        if (parsedTime == null) {
          return invalid(Reason.BAD_TIMESTAMP, "timestamp '" + abbreviate(s) + "' is not an ISO-8601 date-time");
        }
        // Compared as instants first: far-off years parse but overflow epoch milliseconds.
        if (parsedTime.isBefore(minEventTime)
            || parsedTime.isAfter(Instant.ofEpochMilli(ingestTimeMillis).plus(maxFutureSkew))) {
          return outOfRange(parsedTime.toString(), parsedTime.isBefore(minEventTime), false);
        }
        eventTime = parsedTime.toEpochMilli();
      }
    } else if (ts instanceof Integer || ts instanceof Long) {
      eventTime = ((Number) ts).longValue();
    } else if (ts instanceof Number) {
      return invalid(Reason.BAD_TIMESTAMP, "timestamp " + ts + " is not a whole number of epoch milliseconds");
    } else {
      return invalid(Reason.WRONG_TYPE, "timestamp must be a string or a number, found " + kind(ts));
    }
    if (eventTime < minEventTimeMillis || eventTime > latestEventTime(ingestTimeMillis)) {
      return outOfRange(describe(eventTime), eventTime < minEventTimeMillis, ts instanceof Number);
    }
    return new Valid(new ClickEvent(offset, eventId, json.getString("user_id"), json.getString("page_url"),
        json.getString("event_type"), eventTime, ingestTimeMillis, false, value, rawId != null,
        // an explicit "event_id": null is replaced by the derived id, so the value must be rewritten, not appended to
        json.carriesEnrichmentFields() || (rawId == null && json.containsKey("event_id"))));
  }

  /** @param escapedChars whether the record holds a \\u escape, the only way a NUL gets into a string */
  private static Result checkString(Fields json, String field, int maxChars, boolean escapedChars) {
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
    if (escapedChars && s.indexOf('\u0000') >= 0) {
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

  /**
   * One pass over a record's bytes: {@link #NOT_ASCII} if one is not ASCII, {@link #ESCAPED_CHAR} if a backslash
   * is followed by {@code u} (a character escape, or an escaped backslash before a {@code u}: either way the
   * strings are looked at closely).
   */
  private static int scan(byte[] value) {
    int found = 0;
    for (int i = 0; i < value.length; i++) {
      byte b = value[i];
      if (b < 0) {
        found |= NOT_ASCII;
      } else if (b == '\\' && i + 1 < value.length && value[i + 1] == 'u') {
        found |= ESCAPED_CHAR;
      }
    }
    return found;
  }

  /** Strict UTF-8 (no overlong forms, no encoded surrogates). */
  private boolean isUtf8(byte[] value) {
    if (decoded.capacity() < value.length) {
      decoded = CharBuffer.allocate(value.length);
    }
    decoded.clear();
    CoderResult result = utf8.reset().decode(ByteBuffer.wrap(value), decoded, true);
    return !result.isError() && !utf8.flush(decoded).isError();
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
    } else if (v instanceof Fields.Composite c) {
      return c.description();
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
