package dev.pulse.common.time;

import java.time.LocalDate;

/**
 * The UTC date of an event time as {@code YYYY-MM-DD}, the lake's partition folder and the enriched stream's
 * {@code event_date}. Events of a stream mostly share a date, so the last one is kept; thread-safe.
 */
public final class EventDates {

  private static final long DAY_MS = 86_400_000L;

  private record Day(long epochDay, String text) {
  }

  private static volatile Day last = new Day(Long.MIN_VALUE, "");

  private EventDates() {
  }

  public static String of(long epochMillis) {
    long epochDay = Math.floorDiv(epochMillis, DAY_MS);
    Day d = last;
    if (d.epochDay() != epochDay) {
      d = new Day(epochDay, LocalDate.ofEpochDay(epochDay).toString());
      last = d;
    }
    return d.text();
  }
}
