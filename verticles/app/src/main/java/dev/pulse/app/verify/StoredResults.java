package dev.pulse.app.verify;

import dev.pulse.app.verify.ClosedWindows.PgProgress;
import dev.pulse.common.config.PgOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What the aggregator stored in PostgreSQL, read over JDBC in one read-only REPEATABLE READ transaction, so the
 * progress rows and the results are one snapshot. Times are epoch milliseconds.
 */
final class StoredResults implements AutoCloseable {

  private static final int CONNECT_TIMEOUT_SECONDS = 10;
  /** Rows fetched per round trip: a long history streams instead of landing in memory at once. */
  private static final int FETCH_SIZE = 10_000;

  private final PgOptions pg;
  private final Connection conn;
  private final String schema;

  private StoredResults(PgOptions pg, Connection conn) {
    this.pg = pg;
    this.conn = conn;
    this.schema = "\"" + pg.schema() + "\".";
  }

  static StoredResults open(PgOptions pg) throws VerifyUnavailableException {
    Properties props = new Properties();
    props.setProperty("user", pg.user());
    if (pg.password() != null) {
      props.setProperty("password", pg.password());
    }
    props.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
    props.setProperty("ApplicationName", "pulse verify");
    Connection conn;
    try {
      conn = DriverManager.getConnection(pg.jdbcUrl(), props);
    } catch (SQLException e) {
      throw new VerifyUnavailableException("cannot connect to PostgreSQL at " + pg.displayUrl() + ": "
          + e.getMessage(), e);
    }
    try {
      conn.setReadOnly(true);
      conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      conn.setAutoCommit(false);
    } catch (SQLException e) {
      closeQuietly(conn);
      throw new VerifyUnavailableException("cannot start a read-only transaction on " + pg.displayUrl(), e);
    }
    return new StoredResults(pg, conn);
  }

  /** The progress rows of the input topic, by partition. */
  Map<Integer, PgProgress> progress(String topic) throws VerifyUnavailableException {
    Map<Integer, PgProgress> out = new HashMap<>();
    String sql = "SELECT kafka_partition, next_offset, " + millis("watermark") + " FROM " + schema
        + "pulse_partition_progress WHERE topic = ?";
    try (PreparedStatement st = conn.prepareStatement(sql)) {
      st.setString(1, topic);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          long watermark = rs.getLong(3);
          out.put(rs.getInt(1), new PgProgress(rs.getLong(2), rs.wasNull() ? ClosedWindows.NONE : watermark));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  /** Page views per window and URL (all partitions summed) for windows inside [lower, upper). */
  Map<PageWindow, Long> pageViews(long lower, long upper) throws VerifyUnavailableException {
    Map<PageWindow, Long> out = new HashMap<>();
    try (PreparedStatement st = windowQuery(millis("window_start") + ", page_url, view_count",
        "page_view_counts", lower, upper); ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.put(new PageWindow(rs.getLong(1), rs.getString(2)), rs.getLong(3));
      }
      return out;
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  /** Estimated distinct users per 5-minute window inside [lower, upper). */
  Map<Long, Long> activeUsers(long lower, long upper) throws VerifyUnavailableException {
    Map<Long, Long> out = new HashMap<>();
    try (PreparedStatement st = windowQuery(millis("window_start") + ", active_users", "active_users", lower, upper);
         ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getLong(1), rs.getLong(2));
      }
      return out;
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  private PreparedStatement windowQuery(String columns, String relation, long lower, long upper)
      throws SQLException {
    PreparedStatement st = conn.prepareStatement("SELECT " + columns + " FROM " + schema + relation
        + " WHERE window_end <= ?" + (lower == LakeRecount.NO_LOWER ? "" : " AND window_start >= ?"));
    st.setFetchSize(FETCH_SIZE);
    st.setObject(1, time(upper));
    if (lower != LakeRecount.NO_LOWER) {
      st.setObject(2, time(lower));
    }
    return st;
  }

  /** A timestamptz column as epoch milliseconds, whatever the session's time zone. */
  private static String millis(String column) {
    return "(extract(epoch FROM " + column + ") * 1000)::bigint";
  }

  private static OffsetDateTime time(long millis) {
    return Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
  }

  private VerifyUnavailableException failed(SQLException e) {
    if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) {
      return new VerifyUnavailableException("no Pulse tables in schema " + pg.schema() + " at " + pg.displayUrl()
          + " (has a node run with this configuration?): " + e.getMessage(), e);
    }
    return new VerifyUnavailableException("cannot query PostgreSQL at " + pg.displayUrl() + ": " + e.getMessage(), e);
  }

  private static void closeQuietly(Connection conn) {
    try {
      conn.close();
    } catch (SQLException ignored) {
      // the connection is unusable anyway
    }
  }

  @Override
  public void close() {
    try {
      conn.rollback(); // read only: nothing to keep
    } catch (SQLException ignored) {
      // closing discards the transaction all the same
    }
    closeQuietly(conn);
  }
}
