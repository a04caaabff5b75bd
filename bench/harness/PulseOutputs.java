package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * What a stopped all-sinks node left, against the input: page views and distinct users in PostgreSQL, events in
 * the enriched topic (read_committed) and rows in the lake (read by DuckDB). The same checks as the peer's.
 */
final class PulseOutputs {

  private PulseOutputs() {
  }

  static JsonObject check(BenchContext ctx, String namespace, Path lakeDir, InputFacts facts) throws SQLException {
    long pageViews;
    Map<Long, Long> activeUsers = new HashMap<>();
    try (Statement st = ctx.pg().createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT coalesce(sum(view_count), 0) FROM \"" + namespace
          + "\".page_view_counts")) {
        rs.next();
        pageViews = rs.getLong(1);
      }
      try (ResultSet rs = st.executeQuery("SELECT (extract(epoch FROM window_start) * 1000)::bigint, active_users"
          + " FROM \"" + namespace + "\".active_users")) {
        while (rs.next()) {
          activeUsers.put(rs.getLong(1), rs.getLong(2));
        }
      }
    }
    long enriched = TopicReader.readAll(ctx.bootstrap(), "enriched_activity." + namespace, r -> { });
    JsonObject j = Correctness.of(facts, pageViews, activeUsers, enriched);
    long lakeRows;
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement st = duck.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM read_parquet('" + lakeDir.toAbsolutePath()
            + "/**/*.parquet')")) {
      rs.next();
      lakeRows = rs.getLong(1);
    }
    j.put("lake_rows_expected", facts.valid()).put("lake_rows", lakeRows);
    return j.put("correct", j.getBoolean("correct") && lakeRows == facts.valid());
  }
}
