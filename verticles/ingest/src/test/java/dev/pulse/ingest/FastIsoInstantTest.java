package dev.pulse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast reader of {@code yyyy-MM-ddTHH:mm:ss[.fff]Z} must answer exactly what java.time answers, or decline. */
class FastIsoInstantTest {

  @Test
  void theCommonShapesAreReadToTheMillisecond() {
    assertEquals(1764324001250L, FastIsoInstant.parse("2025-11-28T10:00:01.250Z"));
    assertEquals(1764324001000L, FastIsoInstant.parse("2025-11-28T10:00:01Z"));
    assertEquals(1764324001200L, FastIsoInstant.parse("2025-11-28T10:00:01.2Z"));
    assertEquals(1764324001250L, FastIsoInstant.parse("2025-11-28T10:00:01.250999999Z"), "cut, not rounded");
    assertEquals(951782400000L, FastIsoInstant.parse("2000-02-29T00:00:00Z"), "a leap day");
    assertEquals(-62135596800000L, FastIsoInstant.parse("0001-01-01T00:00:00Z"));
    assertEquals(253402300799999L, FastIsoInstant.parse("9999-12-31T23:59:59.999Z"));
  }

  @Test
  void everythingElseIsDeclinedForJavaTime() {
    for (String s : new String[] {"2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2025-11-31T00:00:00Z",
        "2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z", "2025-11-28T24:00:00Z", "2025-11-28T23:60:00Z",
        "2025-11-28T23:59:60Z", "2025-11-28T10:00:01.Z", "2025-11-28T10:00:01.1234567890Z", "2025-11-28t10:00:01Z",
        "2025-11-28T10:00:01z", "2025-11-28T10:00:01+00:00", "2025-11-28 10:00:01Z", "2025-11-28T10:00Z",
        "+2025-11-28T10:00:01Z", "0000-01-01T00:00:00Z", " 2025-11-28T10:00:01Z", "2025-11-28T10:00:0aZ",
        "2025-1a-28T10:00:01Z", "2025-11-28T10:00:01.25xZ"}) {
      assertEquals(FastIsoInstant.NOT_THIS_SHAPE, FastIsoInstant.parse(s), s);
    }
  }

  @Test
  void onFuzzedTimestampsItAgreesWithJavaTimeWheneverItAnswers() {
    SplittableRandom random = new SplittableRandom(20261129);
    int answered = 0;
    for (int i = 0; i < 200_000; i++) {
      String s = fuzzed(random);
      long fast = FastIsoInstant.parse(s);
      Instant reference = EventParser.parseTime(s);
      if (s.chars().allMatch(c -> c < 0x80)) {
        byte[] quoted = ("\"" + s + "\"").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(fast, FastIsoInstant.parse(quoted, 1, quoted.length - 1), "the bytes of " + s);
      }
      if (fast != FastIsoInstant.NOT_THIS_SHAPE) {
        answered++;
        assertEquals(reference == null ? null : reference.toEpochMilli(), fast, s);
      }
    }
    assertTrue(answered > 60_000, "the fuzz reaches the fast path: " + answered);
  }

  /** Mostly well-formed timestamps with fields around their limits, some with a character broken. */
  private static String fuzzed(SplittableRandom r) {
    int year = r.nextInt(10) == 0 ? r.nextInt(10_000) : 1900 + r.nextInt(300);
    String s = String.format("%04d-%02d-%02dT%02d:%02d:%02d", year, r.nextInt(14), r.nextInt(33), r.nextInt(26),
        r.nextInt(62), r.nextInt(62));
    int fraction = r.nextInt(12);
    if (fraction > 0) {
      StringBuilder f = new StringBuilder(".");
      for (int i = 0; i < fraction - 1; i++) {
        f.append((char) ('0' + r.nextInt(10)));
      }
      s += f;
    }
    s += r.nextInt(20) == 0 ? "+01:00" : "Z";
    if (r.nextInt(20) == 0) {
      char[] c = s.toCharArray();
      c[r.nextInt(c.length)] = "0123456789-:.TZ x".charAt(r.nextInt(17));
      s = new String(c);
    }
    return s;
  }
}
