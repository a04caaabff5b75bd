package dev.pulse.app.it;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * A small input with answers worked out by hand (allowed lateness 30 s), covering window boundaries,
 * out-of-order events within the lateness, late events, three partitions and several URLs.
 *
 * <pre>
 * partition 0                         watermark after      outcome
 *   10:00:05      page_view /home        u-1   09:59:35   [10:00) /home
 *   10:00:59.999  page_view /home        u-2   09:59:35   [10:00) /home  (last ms of the minute)
 *   10:01:00.000  page_view /home        u-1   10:00:30   [10:01) /home  (first ms of the next)
 *   10:00:50      page_view /products/1  u-3   10:00:30   [10:00) /products/1 (out of order, in time)
 *   10:01:40      click     /home        u-4   10:01:10   not a page view; counts as active
 *   ---------------------------------------------------- (restart test splits here)
 *   10:00:20      page_view /home        u-5   10:01:10   LATE (before the watermark)
 *   10:02:30      page_view /products/1  u-1   10:02:00   [10:02) /products/1
 *   10:01:30      page_view /home        u-2   10:02:00   LATE
 * partition 1
 *   10:00:10      page_view /home        u-10  09:59:40   [10:00) /home
 *   10:00:30      page_view /products/1  u-11  10:00:00   [10:00) /products/1
 *   (a record that is not JSON)                          dead-lettered; offsets move on
 *   ----------------------------------------------------
 *   10:03:00      page_view /home        u-10  10:02:30   [10:03) /home
 *   10:02:45      page_view /home        u-12  10:02:30   [10:02) /home (out of order, in time)
 *   10:02:29.999  page_view /products/2  u-13  10:02:30   LATE (1 ms before the watermark)
 * partition 2
 *   10:04:59.999  page_view /products/2  u-20  10:04:29   [10:04) /products/2
 *   ----------------------------------------------------
 *   10:05:00.000  page_view /products/2  u-21  10:04:30   [10:05) /products/2
 *   10:04:00      add_to_cart /cart      u-20  10:04:30   LATE (not a page view, and before the watermark)
 * </pre>
 */
final class GoldenEvents {

  static final Instant T0 = Instant.parse("2026-01-15T10:00:00Z");

  record Input(int partition, byte[] value, boolean beforeSplit) {
  }

  record PageViews(String windowStart, String windowEnd, String pageUrl, long views) {
  }

  record ActiveUsers(String windowStart, String windowEnd, long users) {
  }

  static final List<Input> INPUT = List.of(
      event(0, "10:00:05", "page_view", "/home", "u-1", true),
      event(0, "10:00:59.999", "page_view", "/home", "u-2", true),
      event(0, "10:01:00", "page_view", "/home", "u-1", true),
      event(0, "10:00:50", "page_view", "/products/1", "u-3", true),
      event(0, "10:01:40", "click", "/home", "u-4", true),
      event(0, "10:00:20", "page_view", "/home", "u-5", false),
      event(0, "10:02:30", "page_view", "/products/1", "u-1", false),
      event(0, "10:01:30", "page_view", "/home", "u-2", false),
      event(1, "10:00:10", "page_view", "/home", "u-10", true),
      event(1, "10:00:30", "page_view", "/products/1", "u-11", true),
      new Input(1, "{not json".getBytes(StandardCharsets.UTF_8), true),
      event(1, "10:03:00", "page_view", "/home", "u-10", false),
      event(1, "10:02:45", "page_view", "/home", "u-12", false),
      event(1, "10:02:29.999", "page_view", "/products/2", "u-13", false),
      event(2, "10:04:59.999", "page_view", "/products/2", "u-20", true),
      event(2, "10:05:00", "page_view", "/products/2", "u-21", false),
      event(2, "10:04:00", "add_to_cart", "/cart", "u-20", false));

  /** Records per partition, so a test knows when everything has been read. */
  static final long[] RECORDS_PER_PARTITION = {8, 6, 3};

  static final long LATE_EVENTS = 4;

  static final List<PageViews> PAGE_VIEWS = List.of(
      new PageViews("10:00", "10:01", "/home", 3),
      new PageViews("10:00", "10:01", "/products/1", 2),
      new PageViews("10:01", "10:02", "/home", 1),
      new PageViews("10:02", "10:03", "/home", 1),
      new PageViews("10:02", "10:03", "/products/1", 1),
      new PageViews("10:03", "10:04", "/home", 1),
      new PageViews("10:04", "10:05", "/products/2", 1),
      new PageViews("10:05", "10:06", "/products/2", 1));

  /**
   * Panes (minute: on-time users): 10:00 u-1 u-2 u-3 u-10 u-11; 10:01 u-1 u-4; 10:02 u-1 u-12; 10:03 u-10;
   * 10:04 u-20; 10:05 u-21. A 5-minute window counts the distinct users of its five panes.
   */
  static final List<ActiveUsers> ACTIVE_USERS = List.of(
      new ActiveUsers("09:56", "10:01", 5),
      new ActiveUsers("09:57", "10:02", 6),
      new ActiveUsers("09:58", "10:03", 7),
      new ActiveUsers("09:59", "10:04", 7),
      new ActiveUsers("10:00", "10:05", 8),
      new ActiveUsers("10:01", "10:06", 6),
      new ActiveUsers("10:02", "10:07", 5),
      new ActiveUsers("10:03", "10:08", 3),
      new ActiveUsers("10:04", "10:09", 2),
      new ActiveUsers("10:05", "10:10", 1));

  private GoldenEvents() {
  }

  private static Input event(int partition, String time, String type, String url, String user, boolean beforeSplit) {
    String json = "{\"user_id\":\"" + user + "\",\"page_url\":\"" + url + "\",\"event_type\":\"" + type
        + "\",\"timestamp\":\"2026-01-15T" + time + (time.length() == 5 ? ":00" : "") + "Z\"}";
    return new Input(partition, json.getBytes(StandardCharsets.UTF_8), beforeSplit);
  }
}
