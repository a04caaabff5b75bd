package dev.pulse.app.it;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * A seeded stream of hostile records mixed with valid events, each labelled with what the event schema (README,
 * "Event schema") says it is. The labels come from how a record is built, never from Pulse's parser: an invalid
 * record breaks exactly one rule of an otherwise valid event, so its dead-letter reason is known; only input that
 * is random (or breaks two rules at once by nature) leaves the reason open.
 *
 * <p>Valid events carry current timestamps unless their kind says otherwise; those stamped years ago are late
 * once a partition has seen a current event, so a test sends {@link #plain} events first on every partition.
 */
final class HostileRecords {

  /** The input contract's limits, as the node under test is configured. */
  record Limits(int maxEventBytes, Instant minEventTime, Duration maxFutureSkew) {
    static Limits defaults() {
      return new Limits(256 * 1024, Instant.parse("2000-01-01T00:00:00Z"), Duration.ofMinutes(5));
    }
  }

  /**
   * One record and its fate by the contract.
   *
   * @param reason   the {@code pulse.dlq.reason.code} the contract calls for; null when valid, or when more than one
   *                 fits (random bytes, a deep array that is also not an object)
   * @param eventId  the id the event carries; null for an invalid record and for a valid one without an id (Pulse
   *                 then uses {@code topic-partition-offset})
   * @param pageView event type {@code page_view}: counted in {@code page_view_counts} unless late
   * @param late     stamped years ago: older than any watermark once the partition has seen a current event
   */
  record Hostile(int seq, String kind, byte[] value, boolean valid, String reason, String eventId, boolean pageView,
      boolean late) {

    String key() {
      return "h-" + seq;
    }

    boolean countedAsPageView() {
      return valid && pageView && !late;
    }
  }

  private record Kind(String name, int weight, IntFunction<Hostile> build) {
  }

  static final String PAGE_VIEW = "page_view";
  private static final int MAX_ID_CHARS = 256;
  /** README: page_url up to 2,048 bytes of UTF-8. */
  private static final int MAX_URL_BYTES = 2048;
  private static final int MAX_EVENT_TYPE_CHARS = 64;
  /** Jackson's (and so Pulse's) nesting limit; README: deeper is malformed_json. */
  private static final int MAX_NESTING = 1000;

  private static final List<String> URLS = List.of("/", "/cart", "/checkout", "/search?q=shoes&page=2",
      "/products/1", "/products/7", "/products/42", "/blog/2026/11/hello-world", "/a%20b", "/%00");
  private static final List<String> UNICODE_URLS = List.of("/produits/café", "/商品/7", "/😀/emoji",
      "/العربية/صفحة", "/Ünïcödé?ß=1", "/cafe\u0301", "/ελληνικά", "/👩‍👩‍👧");
  private static final String ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  private final Random random;
  private final Clock clock;
  private final Limits limits;
  private final List<Kind> kinds = new ArrayList<>();
  private final int totalWeight;
  private int hugeCount;
  private final int validWeight;

  HostileRecords(long seed, Clock clock, Limits limits) {
    this.random = new Random(seed);
    this.clock = clock;
    this.limits = limits;
    addValidKinds();
    addInvalidKinds();
    totalWeight = kinds.stream().mapToInt(Kind::weight).sum();
    validWeight = kinds.stream().filter(k -> k.name().startsWith("valid:")).mapToInt(Kind::weight).sum();
  }

  /** The share of valid records in the mix, by weight. */
  double validShare() {
    return (double) validWeight / totalWeight;
  }

  /** The name of every kind of record this generator makes. */
  java.util.Set<String> kindNames() {
    java.util.Set<String> names = new java.util.TreeSet<>(List.of("valid:largest-accepted", "invalid:larger-by-one",
        "invalid:far-too-large"));
    kinds.forEach(k -> names.add(k.name()));
    return names;
  }

  /** A valid, current, ordinary event. */
  Hostile plain(int seq) {
    Event e = event(seq);
    return valid(seq, "valid:plain", e);
  }

  /** A record of a kind drawn by weight. */
  Hostile next(int seq) {
    int pick = random.nextInt(totalWeight);
    for (Kind k : kinds) {
      pick -= k.weight();
      if (pick < 0) {
        return k.build().apply(seq);
      }
    }
    throw new AssertionError("weights do not add up");
  }

  /**
   * A huge record (kept out of {@link #next}'s mix, so a test chooses how many megabytes it sends): in turn exactly
   * ingest.max.event.bytes (valid), one byte more, and anything up to {@code largest} bytes (too large).
   */
  Hostile huge(int seq, int largest) {
    return switch (hugeCount++ % 3) {
      case 0 -> ofSize(seq, limits.maxEventBytes());
      case 1 -> ofSize(seq, limits.maxEventBytes() + 1);
      default -> ofSize(seq, limits.maxEventBytes() + 2 + random.nextInt(largest - limits.maxEventBytes() - 1));
    };
  }

  /** A record of exactly {@code bytes} bytes: valid up to ingest.max.event.bytes, too large beyond. */
  Hostile ofSize(int seq, int bytes) {
    Event e = event(seq);
    byte[] value = padded(e, bytes);
    if (bytes <= limits.maxEventBytes()) {
      return valid(seq, bytes == limits.maxEventBytes() ? "valid:largest-accepted" : "valid:large", e, value);
    }
    return invalid(seq, bytes == limits.maxEventBytes() + 1 ? "invalid:larger-by-one" : "invalid:far-too-large",
        "too_large", value);
  }

  // ---------------------------------------------------------------------------------------------- valid kinds

  private void addValidKinds() {
    validKind("plain", 160, this::event);
    validKind("epoch-millis", 30, seq -> event(seq).put("timestamp", String.valueOf(recent().toEpochMilli())));
    validKind("no-zone", 15, seq -> event(seq).put("timestamp",
        q(LocalDateTime.ofInstant(recent(), ZoneOffset.UTC).toString())));
    validKind("space-separator", 10, seq -> event(seq).put("timestamp",
        q(DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC).format(recent()))));
    validKind("offset+14:00", 10, seq -> event(seq).put("timestamp",
        q(recent().atOffset(ZoneOffset.ofHours(14)).toString())));
    validKind("offset-12:00", 10, seq -> event(seq).put("timestamp",
        q(recent().atOffset(ZoneOffset.ofHours(-12)).toString())));
    // RFC 3339: "T" and "Z" may be lower case
    validKind("lower-case-t-and-z", 5, seq -> event(seq).put("timestamp",
        q(recent().toString().toLowerCase(Locale.ROOT))));
    validKind("nanoseconds", 5, seq -> event(seq).put("timestamp",
        q(recent().plusNanos(1 + random.nextInt(999_999)).toString())));
    validKind("future-within-skew", 10, seq -> {
      Instant t = clock.instant().plus(limits.maxFutureSkew()).minusSeconds(60);
      return event(seq).put("timestamp", random.nextBoolean() ? q(t.toString()) : String.valueOf(t.toEpochMilli()));
    });
    validKind("min-event-time-exactly", 5, seq -> event(seq).late().put("timestamp", random.nextBoolean()
        ? q(limits.minEventTime().toString()) : String.valueOf(limits.minEventTime().toEpochMilli())));
    validKind("past-leap-day", 5, seq -> event(seq).late().put("timestamp", q("2024-02-29T12:00:00Z")));
    validKind("nul-in-pass-through", 10, seq -> random.nextBoolean()
        ? event(seq).put("note", q("a\u0000b")) : event(seq).putKey(q("no\u0000te"), "1"));
    validKind("surrogate-pair", 10, seq -> event(seq)
        .put("user_id", "\"u-" + random.nextInt(2000) + "-\\ud83d\\ude00\"")
        .put("page_url", "\"/emoji/\\uD83D\\uDE00\"")
        .put("clef", "\"\\ud834\\udd1e\""));
    validKind("unicode-url", 20, seq -> event(seq).put("page_url", q(pick(UNICODE_URLS))));
    validKind("unicode-user", 5, seq -> event(seq).put("user_id", q("ユーザー-" + random.nextInt(100))));
    validKind("keys-differing-in-case", 10, seq -> event(seq)
        .put("User_Id", q("someone-else")).put("PAGE_URL", q("/elsewhere")).put("Timestamp", "0")
        .put("EVENT_ID", q("not-the-id")));
    validKind("unknown-fields", 20, seq -> event(seq)
        .put("referrer", q("https://example.com/?a=1&b=<2>"))
        .put("ctx", "{\"a\":[1,2,{\"b\":null}],\"t\":true,\"f\":false}")
        .put("big", "123456789012345678901234567890").put("small", "1.5e-7").put("neg", "-0.0")
        .put("empty", "{}").put("none", "[]").put("", "\"empty key\""));
    validKind("escaped-key", 5, seq -> event(seq).rename("user_id", "\"user\\u005fid\""));
    validKind("literal-backslash-u", 5, seq -> event(seq).put("note", "\"\\\\ud800 is text here\""));
    validKind("user-id-a-number-in-a-string", 5, seq -> event(seq).put("user_id", q("42")));
    validKind("no-event-id", 10, seq -> event(seq).remove("event_id"));
    validKind("longest-ids-and-type", 5, seq -> event(seq)
        .put("event_id", q(fill("e-" + seq + "-", MAX_ID_CHARS)))
        .put("user_id", q(fill("u-" + random.nextInt(50) + "-", MAX_ID_CHARS)))
        .put("event_type", q(fill("type-", MAX_EVENT_TYPE_CHARS))));
    // as long as page_url may be, and not compressible: whatever stores it must take such keys
    validKind("longest-url", 5, seq -> event(seq).pageView().put("page_url", q(urlOfBytes(MAX_URL_BYTES))));
    validKind("moderately-deep", 5, seq -> event(seq).put("deep", nested(50, "\"bottom\"")));
    validKind("as-deep-as-allowed", 2, seq -> event(seq).put("deep", "[".repeat(MAX_NESTING - 1)
        + "]".repeat(MAX_NESTING - 1)));
    validKind("whitespace-around", 5, seq -> event(seq).whitespace());
    validKind("event-type-in-capitals", 5, seq -> event(seq).put("event_type", q("PAGE_VIEW")));
    validKind("markup-and-sql-in-fields", 5, seq -> event(seq)
        .put("user_id", q("u'; DROP TABLE page_view_counts;--"))
        .put("page_url", q("/<script>alert('x')</script>\"'")));
    validKind("escaped-ascii", 5, seq -> event(seq).put("page_url", "\"\\/products\\/\\u0037\\t\""));
  }

  // -------------------------------------------------------------------------------------------- invalid kinds

  private void addInvalidKinds() {
    // random input can be read as several things (not UTF-8, not JSON, not an object): any of those reasons fits
    invalidKind("random-bytes", 60, null, seq -> {
      byte[] b = new byte[1 + random.nextInt(300)];
      random.nextBytes(b);
      return b;
    });
    invalidKind("empty-value", 2, "malformed_json", seq -> new byte[0]);
    invalidKind("only-whitespace", 2, "malformed_json", seq -> utf8(" \n\t "));
    invalidKind("invalid-utf8-byte", 10, "invalid_utf8", seq -> event(seq)
        .put("user_id", "\"u-" + seq + "\u0001PLACEHOLDER\"")
        .bytesReplacing("\u0001PLACEHOLDER", pick(List.of(new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xFE},
            new byte[] {(byte) 0x80}, new byte[] {(byte) 0xC3, 'x'}, new byte[] {(byte) 0xE2, (byte) 0x82}))));
    // CESU-8 / "modified UTF-8": surrogates encoded as three bytes each, which UTF-8 forbids
    invalidKind("cesu8-surrogates", 10, "invalid_utf8", seq -> event(seq)
        .put("page_url", "\"/\u0001PLACEHOLDER\"")
        .bytesReplacing("\u0001PLACEHOLDER", pick(List.of(
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0xBD, (byte) 0xED, (byte) 0xB8, (byte) 0x80},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xED, (byte) 0xBF, (byte) 0xBF}))));
    invalidKind("overlong-or-beyond-unicode", 5, "invalid_utf8", seq -> event(seq)
        .put("page_url", "\"/\u0001PLACEHOLDER\"")
        .bytesReplacing("\u0001PLACEHOLDER", pick(List.of(new byte[] {(byte) 0xC0, (byte) 0xAF},
            new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80,
                (byte) 0x80}, new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}))));
    invalidKind("truncated", 40, "malformed_json", seq -> {
      byte[] whole = event(seq).bytes(); // ASCII only: a cut never splits a character
      return java.util.Arrays.copyOf(whole, 1 + random.nextInt(whole.length - 1));
    });
    invalidKind("nested-2000-deep-pass-through", 4, "malformed_json", seq -> event(seq)
        .put("deep", nested(2000, "1")).bytes());
    // both too deep and not an object
    invalidKind("nested-2000-deep-array", 2, null, seq -> utf8("[".repeat(2000) + "]".repeat(2000)));
    invalidKind("wrong-type", 20, "wrong_type", seq -> {
      String[][] choices = {
          {"user_id", "42"}, {"user_id", "true"}, {"user_id", "null"}, {"user_id", "[\"u\"]"}, {"user_id", "{\"id\":1}"},
          {"page_url", "7"}, {"page_url", "false"}, {"page_url", "null"}, {"page_url", "[]"},
          {"event_type", "null"}, {"event_type", "1"}, {"event_type", "{}"},
          {"timestamp", "true"}, {"timestamp", "[1764390000000]"}, {"timestamp", "{}"}, {"timestamp", "null"},
          {"event_id", "5"}, {"event_id", "true"}, {"event_id", "[]"}, {"event_id", "{}"}};
      String[] c = choices[random.nextInt(choices.length)];
      return event(seq).put(c[0], c[1]).bytes();
    });
    invalidKind("timestamp-a-number-in-a-string", 5, "bad_timestamp", seq -> event(seq)
        .put("timestamp", q(String.valueOf(recent().toEpochMilli()))).bytes());
    invalidKind("timestamp-in-epoch-seconds", 5, "timestamp_out_of_range", seq -> event(seq)
        .put("timestamp", String.valueOf(recent().getEpochSecond())).bytes());
    invalidKind("negative-timestamp", 3, "timestamp_out_of_range", seq -> event(seq)
        .put("timestamp", pick(List.of("-1", "-" + recent().toEpochMilli()))).bytes());
    invalidKind("fractional-timestamp", 3, "bad_timestamp", seq -> event(seq)
        .put("timestamp", recent().toEpochMilli() + ".5").bytes());
    invalidKind("a-millisecond-before-min-event-time", 5, "timestamp_out_of_range", seq -> {
      Instant t = limits.minEventTime().minusMillis(1);
      return event(seq).put("timestamp", random.nextBoolean() ? q(t.toString()) : String.valueOf(t.toEpochMilli()))
          .bytes();
    });
    invalidKind("beyond-future-skew", 5, "timestamp_out_of_range", seq -> {
      // two minutes of margin: the node reads it a little after it is made, and its clock moves on meanwhile
      Instant t = clock.instant().plus(limits.maxFutureSkew()).plusSeconds(120);
      return event(seq).put("timestamp", random.nextBoolean() ? q(t.toString()) : String.valueOf(t.toEpochMilli()))
          .bytes();
    });
    invalidKind("far-off-years", 5, "timestamp_out_of_range", seq -> event(seq).put("timestamp", pick(List.of(
        q("+292278995-01-01T00:00:00Z"), q("-292278995-01-01T00:00:00Z"), q("+10000-01-01T00:00:00Z"),
        q("9999-12-31T23:59:59.999Z"), q("0001-01-01T00:00:00Z"), String.valueOf(Long.MAX_VALUE),
        String.valueOf(Long.MIN_VALUE)))).bytes());
    invalidKind("future-leap-day", 3, "timestamp_out_of_range", seq -> event(seq)
        .put("timestamp", q("2028-02-29T12:00:00Z")).bytes());
    invalidKind("impossible-date-or-time", 5, "bad_timestamp", seq -> event(seq).put("timestamp", q(pick(List.of(
        "2027-02-29T12:00:00Z", "2026-02-30T10:00:00", "2026-13-01T00:00:00Z", "2026-11-29T25:00:00Z",
        "2026-11-28T24:00:00", "2026-11-28T10:61:00Z", "last tuesday", "2026-11-28T10:00:00+25:00")))).bytes());
    invalidKind("nul-in-a-stored-field", 10, "invalid_character", seq -> {
      String field = pick(List.of("user_id", "page_url", "event_type", "event_id"));
      return event(seq).put(field, "\"x\\u0000" + seq + "\"").bytes();
    });
    // JSON strings cannot hold raw control characters; they must be escaped
    invalidKind("raw-control-character", 5, "malformed_json", seq -> event(seq)
        .put("page_url", "\"/a" + pick(List.of("\u0000", "\u0001", "\n", "\u001F")) + "b\"").bytes());
    invalidKind("lone-surrogate", 15, "unpaired_surrogate", seq -> {
      String lone = pick(List.of("\\ud800", "\\udc00", "\\uDBFF", "\\ude00\\ud83d", "\\ud83dx"));
      Event e = event(seq);
      switch (random.nextInt(6)) {
        case 0 -> e.put("user_id", "\"u-" + seq + lone + "\"");
        case 1 -> e.put("page_url", "\"/" + lone + "\"");
        case 2 -> e.put("event_type", "\"" + lone + "\"");
        case 3 -> e.put("event_id", "\"e-" + seq + lone + "\"");
        case 4 -> e.put("ctx", "{\"tags\":[\"ok\",\"" + lone + "\"]}");
        default -> e.putKey("\"k" + lone + "\"", "1");
      }
      return e.bytes();
    });
    invalidKind("duplicate-key", 10, "duplicate_key", seq -> {
      Event e = event(seq);
      switch (random.nextInt(5)) {
        case 0 -> e.putKey(q("user_id"), q("u-other"));
        case 1 -> e.putKey(q("timestamp"), e.value("timestamp")); // even with the same value
        case 2 -> e.put("note", "1").putKey(q("note"), "2");
        case 3 -> e.put("ctx", "{\"a\":1,\"b\":{\"c\":1,\"c\":2}}");
        default -> e.putKey("\"page\\u005furl\"", q("/escaped-twin"));
      }
      return e.bytes();
    });
    invalidKind("empty-object", 3, "missing_field", seq -> utf8("{}"));
    invalidKind("not-an-object", 5, "not_an_object", seq -> utf8(pick(List.of(
        "[]", "[" + new String(event(seq).bytes(), StandardCharsets.UTF_8) + "]", "42", "\"text\"", "null", "true"))));
    invalidKind("tombstone", 3, "tombstone", seq -> null);
    invalidKind("missing-field", 10, "missing_field", seq -> {
      Event e = event(seq);
      String field = pick(List.of("user_id", "page_url", "event_type", "timestamp"));
      // half of them have the field under another case only: keys are case-sensitive
      return (random.nextBoolean() ? e.remove(field) : e.rename(field, q(field.toUpperCase(Locale.ROOT)))).bytes();
    });
    invalidKind("empty-field", 5, "empty_field", seq -> event(seq)
        .put(pick(List.of("user_id", "page_url", "event_type", "event_id")), "\"\"").bytes());
    invalidKind("too-long", 10, "field_too_long", seq -> {
      Event e = event(seq);
      switch (random.nextInt(4)) {
        case 0 -> e.put("event_id", q(fill("e-" + seq + "-", MAX_ID_CHARS + 1 + random.nextInt(2000))));
        case 1 -> e.put("user_id", q(fill("u-", MAX_ID_CHARS + 1)));
        case 2 -> e.put("page_url", q(urlOfBytes(MAX_URL_BYTES + 1)));
        default -> e.put("event_type", q(fill("t", MAX_EVENT_TYPE_CHARS + 1)));
      }
      return e.bytes();
    });
    invalidKind("trailing-garbage", 5, "malformed_json", seq -> {
      String json = new String(event(seq).bytes(), StandardCharsets.UTF_8);
      return utf8(json + pick(List.of(" x", json, "}", ",", "\u0000")));
    });
    invalidKind("almost-json", 5, "malformed_json", seq -> {
      Event e = event(seq);
      return switch (random.nextInt(7)) {
        case 0 -> utf8(new String(e.bytes(), StandardCharsets.UTF_8).replace('"', '\''));
        case 1 -> utf8(new String(e.put("x", "1").bytes(), StandardCharsets.UTF_8).replaceFirst("}$", ",}"));
        case 2 -> e.put("x", "/* note */ 1").bytes();
        case 3 -> e.put("x", "NaN").bytes();
        case 4 -> e.putKey("unquoted", "1").bytes();
        case 5 -> e.put("x", "01").bytes();
        default -> e.put("x", "0x1F").bytes();
      };
    });
  }

  private void validKind(String name, int weight, IntFunction<Event> build) {
    kinds.add(new Kind("valid:" + name, weight, seq -> valid(seq, "valid:" + name, build.apply(seq))));
  }

  private void invalidKind(String name, int weight, String reason, IntFunction<byte[]> build) {
    kinds.add(new Kind("invalid:" + name, weight, seq -> invalid(seq, "invalid:" + name, reason, build.apply(seq))));
  }

  private Hostile valid(int seq, String kind, Event e) {
    return valid(seq, kind, e, e.bytes());
  }

  private Hostile valid(int seq, String kind, Event e, byte[] value) {
    if (value.length > limits.maxEventBytes()) {
      throw new IllegalStateException(kind + " built a valid event larger than ingest.max.event.bytes");
    }
    return new Hostile(seq, kind, value, true, null, e.eventId(), PAGE_VIEW.equals(e.eventType()), e.isLate());
  }

  private static Hostile invalid(int seq, String kind, String reason, byte[] value) {
    return new Hostile(seq, kind, value, false, reason, null, false, false);
  }

  // ---------------------------------------------------------------------------------------------- building

  /** A valid, current event with its fields in random order; ASCII only. */
  private Event event(int seq) {
    boolean pageView = random.nextInt(10) < 7;
    return new Event()
        .put("event_id", q("e-" + seq))
        .put("user_id", q("u-" + random.nextInt(2000)))
        .put("page_url", q(pick(URLS)))
        .put("event_type", q(pageView ? PAGE_VIEW : pick(List.of("click", "add_to_cart"))))
        .put("timestamp", q(recent().toString()))
        .shuffled();
  }

  private Instant recent() {
    return clock.instant().minusMillis(random.nextInt(3000));
  }

  private byte[] padded(Event e, int bytes) {
    e.put("blob", "\"\"");
    int base = e.bytes().length;
    if (bytes < base) {
      throw new IllegalArgumentException("an event takes at least " + base + " bytes");
    }
    return e.put("blob", q(fill("", bytes - base))).bytes();
  }

  private String nested(int depth, String bottom) {
    StringBuilder open = new StringBuilder();
    StringBuilder close = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      if (random.nextBoolean()) {
        open.append('[');
        close.insert(0, ']');
      } else {
        open.append("{\"k\":");
        close.insert(0, '}');
      }
    }
    return open + bottom + close;
  }

  private String fill(String prefix, int length) {
    StringBuilder sb = new StringBuilder(length).append(prefix);
    while (sb.length() < length) {
      sb.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
    }
    return sb.substring(0, length);
  }

  /** A URL of exactly so many UTF-8 bytes, in characters of one to four bytes that do not compress. */
  private String urlOfBytes(int bytes) {
    StringBuilder sb = new StringBuilder("/");
    int used = 1;
    while (used < bytes) {
      int cp = switch (random.nextInt(4)) {
        case 0 -> '!' + random.nextInt(94);
        case 1 -> 0xA1 + random.nextInt(0x700);
        case 2 -> 0x4E00 + random.nextInt(0x5000);
        default -> 0x1F300 + random.nextInt(0x300);
      };
      int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (used + size > bytes) {
        cp = 'x';
        size = 1;
      }
      sb.appendCodePoint(cp);
      used += size;
    }
    return sb.toString();
  }

  private <T> T pick(List<T> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  /** A JSON string literal; characters other than quote, backslash and controls are written as they are. */
  static String q(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A JSON object written member by member as text, so it can hold what no JSON library would write. */
  private final class Event {
    private final List<String[]> members = new ArrayList<>();
    private boolean late;
    private boolean whitespace;

    /** Sets a member (the first of that key), or adds it. */
    Event put(String name, String valueText) {
      String key = q(name);
      for (String[] m : members) {
        if (m[0].equals(key)) {
          m[1] = valueText;
          return this;
        }
      }
      members.add(new String[] {key, valueText});
      return this;
    }

    /** Adds a member as written, even a key already there. */
    Event putKey(String keyText, String valueText) {
      members.add(new String[] {keyText, valueText});
      return this;
    }

    Event remove(String name) {
      members.removeIf(m -> m[0].equals(q(name)));
      return this;
    }

    Event rename(String name, String keyText) {
      members.stream().filter(m -> m[0].equals(q(name))).forEach(m -> m[0] = keyText);
      return this;
    }

    String value(String name) {
      return members.stream().filter(m -> m[0].equals(q(name))).findFirst().map(m -> m[1]).orElseThrow();
    }

    Event late() {
      late = true;
      return this;
    }

    Event pageView() {
      return put("event_type", q(PAGE_VIEW));
    }

    Event whitespace() {
      whitespace = true;
      return this;
    }

    Event shuffled() {
      Collections.shuffle(members, random);
      return this;
    }

    boolean isLate() {
      return late;
    }

    String eventId() {
      return stringValue("event_id");
    }

    String eventType() {
      return stringValue("event_type");
    }

    /** A string member's value when written without escapes (as this generator writes valid events' ids). */
    private String stringValue(String name) {
      for (String[] m : members) {
        if (m[0].equals(q(name))) {
          String v = m[1];
          if (v.length() < 2 || v.charAt(0) != '"' || v.indexOf('\\') >= 0) {
            throw new IllegalStateException(name + " is not a plain string: " + v);
          }
          return v.substring(1, v.length() - 1);
        }
      }
      return null;
    }

    byte[] bytes() {
      StringBuilder sb = new StringBuilder(whitespace ? "\n\t " : "").append('{');
      for (int i = 0; i < members.size(); i++) {
        if (i > 0) {
          sb.append(whitespace ? " ,\r\n " : ",");
        }
        sb.append(members.get(i)[0]).append(whitespace ? " : " : ":").append(members.get(i)[1]);
      }
      return utf8(sb.append('}').append(whitespace ? " \r\n" : "").toString());
    }

    /** The record's bytes with a marker replaced by raw bytes, which may be no UTF-8 at all. */
    byte[] bytesReplacing(String marker, byte[] raw) {
      byte[] text = bytes();
      byte[] m = utf8(marker);
      for (int i = 0; i + m.length <= text.length; i++) {
        if (java.util.Arrays.equals(text, i, i + m.length, m, 0, m.length)) {
          byte[] out = new byte[text.length - m.length + raw.length];
          System.arraycopy(text, 0, out, 0, i);
          System.arraycopy(raw, 0, out, i, raw.length);
          System.arraycopy(text, i + m.length, out, i + raw.length, text.length - i - m.length);
          return out;
        }
      }
      throw new IllegalStateException("marker not found");
    }
  }
}
