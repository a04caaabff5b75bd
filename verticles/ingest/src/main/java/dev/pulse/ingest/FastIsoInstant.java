package dev.pulse.ingest;

import java.nio.charset.StandardCharsets;

/**
 * Epoch milliseconds of the one timestamp shape nearly every producer writes, {@code 2026-11-28T10:00:01.250Z}
 * (JavaScript's {@code toISOString}, Java's {@code Instant.toString}, ...), read without java.time's general
 * parser, which builds maps and BigDecimals for every call. Anything else, or anything out of range, is declined
 * ({@link #NOT_THIS_SHAPE}) and left to java.time, whose answer this one must always equal (a fuzz test
 * compares them).
 */
final class FastIsoInstant {

  static final long NOT_THIS_SHAPE = Long.MIN_VALUE;

  private static final int[] DAYS_BEFORE_MONTH = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

  private FastIsoInstant() {
  }

  /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} as epoch milliseconds (fractions below a millisecond cut off). */
  static long parse(String s) {
    // Every character this shape allows is ASCII; any other turns into '?' or a byte above 0x7f, both declined.
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    return parse(b, 0, b.length);
  }

  /** The same, of the ASCII bytes {@code b[from, to)}. */
  static long parse(byte[] b, int from, int to) {
    int n = to - from;
    if (n < 20 || n > 30 || b[from + 4] != '-' || b[from + 7] != '-' || b[from + 10] != 'T' || b[from + 13] != ':'
        || b[from + 16] != ':' || b[to - 1] != 'Z') {
      return NOT_THIS_SHAPE;
    }
    int year = digits(b, from, 4);
    int month = digits(b, from + 5, 2);
    int day = digits(b, from + 8, 2);
    int hour = digits(b, from + 11, 2);
    int minute = digits(b, from + 14, 2);
    int second = digits(b, from + 17, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > lengthOfMonth(year, month) || hour < 0 || hour > 23
        || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return NOT_THIS_SHAPE;
    }
    int millis = 0;
    if (n > 20) {
      if (b[from + 19] != '.' || n == 21) {
        return NOT_THIS_SHAPE;
      }
      int fractionDigits = n - 21;
      for (int i = 0; i < fractionDigits; i++) {
        byte c = b[from + 20 + i];
        if (c < '0' || c > '9') {
          return NOT_THIS_SHAPE;
        }
        if (i < 3) {
          millis = millis * 10 + (c - '0');
        }
      }
      for (int i = fractionDigits; i < 3; i++) {
        millis *= 10;
      }
    }
    long days = epochDay(year, month, day);
    return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1_000L + millis;
  }

  private static int digits(byte[] b, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      byte c = b[i];
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static boolean leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  }

  private static int lengthOfMonth(int year, int month) {
    return switch (month) {
      case 2 -> leap(year) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  /** Days from 1970-01-01 (proleptic Gregorian, as java.time counts). */
  private static long epochDay(int year, int month, int day) {
    long y = year - 1;
    long daysBeforeYear = 365 * y + y / 4 - y / 100 + y / 400;
    long daysBeforeMonth = DAYS_BEFORE_MONTH[month - 1] + (month > 2 && leap(year) ? 1 : 0);
    return daysBeforeYear + daysBeforeMonth + day - 1 - 719_162; // 719,162 days from 0001-01-01 to 1970-01-01
  }
}
