package dev.pulse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.ingest.EventParser.Result;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Fields#readPlain} reads the common shape of an event without Jackson. It must never change a verdict:
 * on every input, the parser with it answers exactly what the parser reading everything with Jackson answers
 * (the same event, or the same reason and message), and it declines whatever it does not read itself.
 */
class PlainReaderTest {

  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private final EventParser withPlainReader = new EventParser(4096, Duration.ofDays(1),
      Instant.parse("2000-01-01T00:00:00Z"), true);
  private final EventParser jacksonOnly = new EventParser(4096, Duration.ofDays(1),
      Instant.parse("2000-01-01T00:00:00Z"), false);

  @Test
  void theCommonShapesAreReadWithoutJackson() {
    for (String json : new String[] {
        "{\"event_id\":\"e-1\",\"user_id\":\"u-42\",\"page_url\":\"/products/7\",\"event_type\":\"page_view\","
            + "\"timestamp\":\"2026-11-28T10:00:01.250Z\"}",
        " {\r\n\t\"user_id\" : \"u\" ,\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":1764324000000 }\n",
        "{\"user_id\":\"u\",\"page_url\":\"/\",\"event_type\":\"x\",\"timestamp\":1,\"a\":-0,\"b\":1.5e-3,\"c\":true,"
            + "\"d\":false,\"e\":null,\"f\":\"\",\"g\":12345678901234567890123,\"h\":0.0,\"i\":-7E+2}",
        "{\"user_id\":42}", "{\"timestamp\":2147483648}", "{\"is_late\":true}"}) {
      assertNotNull(Fields.readPlain(bytes(json)), json);
      assertSameVerdict(json);
    }
  }

  @Test
  void everythingElseIsLeftToJackson() {
    for (String json : new String[] {
        "{}", "[]", "\"a\"", "1", "", "   ", "{\"a\":{}}", "{\"a\":[1]}", "{\"a\":\"\\u0041\"}", "{\"a\":\"\\n\"}",
        "{\"a\":\"é\"}", "{\"a\":1,\"a\":2}", "{\"user_id\":\"u\",\"user_id\":\"v\"}", "{\"a\":01}", "{\"a\":1.}",
        "{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":+1}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1,}",
        "{\"a\" 1}", "{\"a\":tru}", "{\"a\":nul}", "{\"a\":True}", "{a:1}", "{'a':1}", "{\"a\":\"b\u0001\"}",
        "{\"a\":\"b\u0000\"}", "{\"a\":1\u000b}", "{\"a\":1 /* c */}", "{\"a\":NaN}", "{\"timestamp\":1.5}",
        "{\"timestamp\":1e3}", "{\"timestamp\":1234567890123456789}", "{\"a\":1", "{\"a\":\"b", "{\"a\"",
        "\ufeff{\"a\":1}"}) {
      assertNull(Fields.readPlain(bytes(json)), json);
      assertSameVerdict(json);
    }
  }

  @Test
  void onFuzzedRecordsBothReadersGiveTheSameVerdict() {
    SplittableRandom random = new SplittableRandom(20261204);
    int plain = 0;
    int valid = 0;
    int cases = 300_000;
    for (int i = 0; i < cases; i++) {
      byte[] value = fuzzed(random);
      if (Fields.readPlain(value) != null) {
        plain++;
      }
      Result r = assertSameVerdict(value);
      if (r instanceof EventParser.Valid) {
        valid++;
      }
    }
    // the fuzz reaches both readers, and both outcomes
    assertTrue(plain > cases / 5, "read without Jackson: " + plain);
    assertTrue(plain < cases * 3 / 4, "left to Jackson: " + (cases - plain));
    assertTrue(valid > cases / 10 && valid < cases * 9 / 10, "valid: " + valid);
  }

  private Result assertSameVerdict(String json) {
    return assertSameVerdict(bytes(json));
  }

  private Result assertSameVerdict(byte[] value) {
    Result expected = jacksonOnly.parse(value, 7, "user_activity-0-", NOW.toEpochMilli());
    Result actual = withPlainReader.parse(value, 7, "user_activity-0-", NOW.toEpochMilli());
    assertEquals(expected, actual, () -> new String(value, StandardCharsets.UTF_8));
    return actual;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** An event of random shape, often with one of its bytes or fields broken. */
  private static byte[] fuzzed(SplittableRandom r) {
    List<String> fields = new ArrayList<>();
    if (r.nextInt(3) > 0) {
      fields.add(pair(r, "event_id", quoted(r, "e-" + r.nextInt(1000))));
    }
    fields.add(pair(r, "user_id", r.nextInt(20) == 0 ? scalar(r) : quoted(r, "u-" + r.nextInt(100))));
    fields.add(pair(r, "page_url", r.nextInt(20) == 0 ? scalar(r) : quoted(r, "/products/" + r.nextInt(100))));
    fields.add(pair(r, "event_type", r.nextInt(20) == 0 ? scalar(r) : quoted(r, r.nextBoolean() ? "page_view"
        : "click")));
    String ts = switch (r.nextInt(6)) {
      case 0 -> String.valueOf(NOW.toEpochMilli() - r.nextLong(86_400_000L));
      case 1 -> scalar(r);
      default -> quoted(r, Instant.ofEpochMilli(NOW.toEpochMilli() - r.nextLong(86_400_000L)).toString());
    };
    fields.add(pair(r, "timestamp", ts));
    int extra = r.nextInt(4);
    for (int i = 0; i < extra; i++) {
      String name = switch (r.nextInt(6)) {
        case 0 -> "processing_time";
        case 1 -> "is_late";
        default -> "x" + r.nextInt(5);
      };
      fields.add(pair(r, name, r.nextInt(8) == 0 ? "{\"k\":" + scalar(r) + "}" : scalar(r)));
    }
    if (r.nextInt(15) == 0) {
      fields.add(fields.get(r.nextInt(fields.size()))); // a key twice
    }
    java.util.Collections.shuffle(fields, new java.util.Random(r.nextLong()));
    StringBuilder sb = new StringBuilder(space(r)).append('{').append(space(r));
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        sb.append(space(r)).append(',').append(space(r));
      }
      sb.append(fields.get(i));
    }
    sb.append(space(r)).append('}').append(space(r));
    byte[] b = bytes(sb.toString());
    return r.nextInt(3) == 0 ? b : mutated(r, b);
  }

  private static String pair(SplittableRandom r, String name, String value) {
    return "\"" + name + "\"" + space(r) + ":" + space(r) + value;
  }

  private static String quoted(SplittableRandom r, String s) {
    return switch (r.nextInt(40)) {
      case 0 -> "\"" + s + "\\u00e9\"";
      case 1 -> "\"" + s + "\\\"\"";
      case 2 -> "\"" + s + "é\"";
      case 3 -> "\"\"";
      case 4 -> "\" \"";
      default -> "\"" + s + "\"";
    };
  }

  private static String scalar(SplittableRandom r) {
    return switch (r.nextInt(14)) {
      case 0 -> "true";
      case 1 -> "false";
      case 2 -> "null";
      case 3 -> String.valueOf(r.nextInt());
      case 4 -> String.valueOf(r.nextLong());
      case 5 -> r.nextDouble() * 1e6 + "";
      case 6 -> "-0";
      case 7 -> "1e" + r.nextInt(30);
      case 8 -> "123456789012345678901234567890";
      case 9 -> "[1,2]";
      case 10 -> "-" + r.nextInt(1000) + "." + r.nextInt(1000) + "E-" + r.nextInt(9);
      default -> "\"s" + r.nextInt(100) + "\"";
    };
  }

  private static String space(SplittableRandom r) {
    return switch (r.nextInt(12)) {
      case 0 -> " ";
      case 1 -> "\n\t ";
      case 2 -> "\r\n";
      default -> "";
    };
  }

  private static final byte[] ALPHABET = bytes("{}[]\":,.-+eE0123456789 \t\n\r\\/utrfalsnx\u0000\u0001\u000b\u007f");

  private static byte[] mutated(SplittableRandom r, byte[] b) {
    int at = r.nextInt(b.length);
    byte c = r.nextInt(4) == 0 ? (byte) r.nextInt(256) : ALPHABET[r.nextInt(ALPHABET.length)];
    return switch (r.nextInt(4)) {
      case 0 -> { // replace
        byte[] out = b.clone();
        out[at] = c;
        yield out;
      }
      case 1 -> { // insert
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, at);
        out[at] = c;
        System.arraycopy(b, at, out, at + 1, b.length - at);
        yield out;
      }
      case 2 -> { // delete
        byte[] out = new byte[b.length - 1];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + 1, out, at, b.length - at - 1);
        yield out;
      }
      default -> java.util.Arrays.copyOf(b, at); // truncate
    };
  }
}
