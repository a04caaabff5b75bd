package dev.pulse.app.verify;

import dev.pulse.aggregator.Windows;
import dev.pulse.common.model.ClickEvent;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The windows recomputed from the lake's Parquet files by DuckDB, a reader independent of the pipeline: every
 * aggregation is one GROUP BY over the files, filtered on event time (row-group statistics) and on the
 * {@code event_date} folders, so a bounded check reads only the days it needs. Times are epoch milliseconds.
 */
final class LakeRecount implements AutoCloseable {

  /** No lower bound on event or window times. */
  static final long NO_LOWER = Long.MIN_VALUE;
  /** No upper bound on event or window times. */
  static final long NO_UPPER = Long.MAX_VALUE;

  /** A duplicated event id, and how many ids are duplicated in all. */
  record Duplicates(List<Difference.DuplicateEventId> first, long total) {
  }

  private final Path lake;
  private final Connection duckdb;
  private final boolean empty;

  private LakeRecount(Path lake, Connection duckdb, boolean empty) {
    this.lake = lake;
    this.duckdb = duckdb;
    this.empty = empty;
  }

  static LakeRecount open(Path lake) throws VerifyUnavailableException {
    if (!Files.isDirectory(lake)) {
      throw new VerifyUnavailableException("no lake at " + lake + " (lake.dir)");
    }
    boolean empty;
    try {
      empty = !hasParquetFiles(lake);
    } catch (IOException e) {
      throw new VerifyUnavailableException("cannot read the lake at " + lake + ": " + e.getMessage(), e);
    }
    try {
      Connection c = DriverManager.getConnection("jdbc:duckdb:");
      try (Statement st = c.createStatement()) {
        st.execute("SET TimeZone = 'UTC'");
        if (!empty) {
          // The files any lake reader sees: Hive-style date folders; temporary files do not end in .parquet.
          st.execute("CREATE TEMP VIEW lake AS SELECT * FROM read_parquet('"
              + lake.toString().replace("'", "''") + "/event_date=*/*.parquet', hive_partitioning = true)");
        }
      } catch (SQLException e) {
        c.close();
        throw e;
      }
      return new LakeRecount(lake, c, empty);
    } catch (SQLException e) {
      throw unreadable(lake, e);
    }
  }

  /** Page views of on-time events per 1-minute window and URL, for windows inside [lower, upper). */
  Map<PageWindow, Long> pageViews(long lower, long upper) throws VerifyUnavailableException {
    Map<PageWindow, Long> out = new HashMap<>();
    if (empty) {
      return out;
    }
    String sql = "SELECT epoch_ms(event_time) // " + Windows.PAGE_VIEW_SIZE_MS + " * " + Windows.PAGE_VIEW_SIZE_MS
        + " AS window_start, page_url, count(*) AS views FROM lake"
        + " WHERE NOT is_late AND event_type = '" + ClickEvent.PAGE_VIEW + "' AND " + timeFilter(lower, upper)
        + " GROUP BY ALL";
    try (Statement st = duckdb.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.put(new PageWindow(rs.getLong(1), rs.getString(2)), rs.getLong(3));
      }
      return out;
    } catch (SQLException e) {
      throw unreadable(lake, e);
    }
  }

  /**
   * Exact distinct users of on-time events per 5-minute window sliding by a minute, for windows inside
   * [lower, upper): each (pane, user) pair is spread over the windows that contain its pane.
   */
  Map<Long, Long> activeUsers(long lower, long upper) throws VerifyUnavailableException {
    Map<Long, Long> out = new HashMap<>();
    if (empty) {
      return out;
    }
    long slide = Windows.ACTIVE_USERS_SLIDE_MS;
    long size = Windows.ACTIVE_USERS_SIZE_MS;
    String windowStart = "pane - k * " + slide;
    String sql = "WITH panes AS (SELECT DISTINCT epoch_ms(event_time) // " + Windows.PANE_MS + " * " + Windows.PANE_MS
        + " AS pane, user_id FROM lake WHERE NOT is_late AND " + timeFilter(lower, upper) + ")"
        + " SELECT " + windowStart + " AS window_start, count(DISTINCT user_id) AS users"
        + " FROM panes, range(0, " + size / slide + ") AS panes_back(k)"
        + " WHERE " + windowStart + " + " + size + " <= " + upper
        + (lower == NO_LOWER ? "" : " AND " + windowStart + " >= " + lower)
        + " GROUP BY ALL";
    try (Statement st = duckdb.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.put(rs.getLong(1), rs.getLong(2));
      }
      return out;
    } catch (SQLException e) {
      throw unreadable(lake, e);
    }
  }

  /** Rows with event times in [from, to), late ones included. */
  long rows(long from, long to) throws VerifyUnavailableException {
    if (empty) {
      return 0;
    }
    try (Statement st = duckdb.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*) FROM lake WHERE " + timeFilter(from, to))) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw unreadable(lake, e);
    }
  }

  /** Event ids held more than once among events in [from, to): the first {@code limit} by id, and the total. */
  Duplicates duplicates(long from, long to, int limit) throws VerifyUnavailableException {
    if (empty) {
      return new Duplicates(List.of(), 0);
    }
    // Where the copies are is looked up for the listed ids only: aggregating it for every id first made the
    // query 40 times slower (72 s instead of 2 s on 5 million rows).
    String filter = timeFilter(from, to);
    String sql = "WITH listed AS (SELECT event_id, count(*) OVER () AS total FROM lake WHERE " + filter
        + " GROUP BY event_id HAVING count(*) > 1 ORDER BY event_id LIMIT " + limit + ")"
        + " SELECT event_id, string_agg(kafka_partition || ':' || kafka_offset, ',' ORDER BY kafka_partition,"
        + " kafka_offset) AS copies, any_value(total) AS total"
        + " FROM lake JOIN listed USING (event_id) WHERE " + filter + " GROUP BY event_id ORDER BY event_id";
    List<Difference.DuplicateEventId> first = new ArrayList<>();
    long total = 0;
    try (Statement st = duckdb.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        List<Difference.Copy> copies = new ArrayList<>();
        for (String copy : rs.getString(2).split(",")) {
          String[] partitionOffset = copy.split(":");
          copies.add(new Difference.Copy(Integer.parseInt(partitionOffset[0]), Long.parseLong(partitionOffset[1])));
        }
        first.add(new Difference.DuplicateEventId(rs.getString(1), copies));
        total = rs.getLong(3);
      }
      return new Duplicates(first, total);
    } catch (SQLException e) {
      throw unreadable(lake, e);
    }
  }

  /** Event time in [lower, upper), each side optional, on the column and on the date folders (pruning). */
  private static String timeFilter(long lower, long upper) {
    List<String> terms = new ArrayList<>();
    terms.add("TRUE");
    if (lower != NO_LOWER) {
      terms.add("event_time >= make_timestamptz(" + lower + "::BIGINT * 1000)");
      terms.add("event_date >= DATE '" + date(lower) + "'");
    }
    if (upper != NO_UPPER) {
      terms.add("event_time < make_timestamptz(" + upper + "::BIGINT * 1000)");
      terms.add("event_date <= DATE '" + date(upper - 1) + "'");
    }
    return "(" + String.join(" AND ", terms) + ")";
  }

  private static LocalDate date(long millis) {
    return LocalDate.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  private static boolean hasParquetFiles(Path lake) throws IOException {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(lake, "event_date=*")) {
      for (Path dir : dirs) {
        if (Files.isDirectory(dir)) {
          try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.parquet")) {
            if (files.iterator().hasNext()) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  private static VerifyUnavailableException unreadable(Path lake, SQLException e) {
    return new VerifyUnavailableException("cannot read the lake at " + lake + " with DuckDB: " + e.getMessage(), e);
  }

  @Override
  public void close() {
    try {
      duckdb.close();
    } catch (SQLException ignored) {
      // an in-memory database: nothing to lose
    }
  }
}
