package dev.pulse.common.time;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;

/**
 * The UTC date of an event time as {@code YYYY-MM-DD}, the lake's partition folder and the enriched stream's
 * {@code event_date}. Events of a stream mostly share a date, so the last one is kept; thread-safe.
 */
public final class EventDates {

  private static final long DAY_MS = 86_400_000L;

  private record Day(long epochDay, String text, byte[] ascii) {
  }

  private static volatile Day last = new Day(Long.MIN_VALUE, "", new byte[0]);

  private EventDates() {
  }

  public static String of(long epochMillis) {
    return day(epochMillis).text();
  }

  /** The same date as US-ASCII bytes, shared: callers copy them and never write to them. */
  public static byte[] asciiOf(long epochMillis) {
    return day(epochMillis).ascii();
  }

  private static Day day(long epochMillis) {
    long epochDay = Math.floorDiv(epochMillis, DAY_MS);
    Day d = last;
    if (d.epochDay() != epochDay) {
      String text = LocalDate.ofEpochDay(epochDay).toString();
      d = new Day(epochDay, text, text.getBytes(StandardCharsets.US_ASCII));
      last = d;
    }
    return d;
  }
}
