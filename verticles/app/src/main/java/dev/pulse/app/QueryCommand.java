package dev.pulse.app;

import dev.pulse.common.config.ConfigException;
import dev.pulse.lake.LakeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** SQL over the Parquet lake, read by DuckDB: a reader independent of the one that wrote it. */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "Run SQL on the Parquet lake with DuckDB. The view 'lake' holds every event, with its "
        + "event_date partition column.")
public final class QueryCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions configOptions;

  @Parameters(index = "0", paramLabel = "SQL", defaultValue = "SELECT event_date, count(*) AS events, "
      + "count(DISTINCT event_id) AS distinct_ids, min(event_time) AS first, max(event_time) AS last "
      + "FROM lake GROUP BY event_date ORDER BY event_date",
      description = "The query (default: events per event_date).")
  String sql;

  @Override
  public Integer call() {
    Path lake;
    try {
      lake = LakeOptions.from(configOptions.load(Map.of())).dir().toAbsolutePath();
    } catch (ConfigException e) {
      System.err.println("pulse query: " + e.getMessage());
      return 2;
    }
    if (!Files.isDirectory(lake)) {
      System.err.println("pulse query: no lake at " + lake + " (lake.dir)");
      return 1;
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
         Statement st = c.createStatement()) {
      st.execute("CREATE VIEW lake AS SELECT * FROM read_parquet('" + lake.toString().replace("'", "''")
          + "/**/*.parquet', hive_partitioning = true)");
      try (ResultSet rs = st.executeQuery(sql)) {
        print(rs);
      }
      return 0;
    } catch (SQLException e) {
      System.err.println("pulse query: " + e.getMessage());
      return 1;
    }
  }

  private static void print(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<String[]> rows = new ArrayList<>();
    String[] header = new String[n];
    for (int i = 0; i < n; i++) {
      header[i] = md.getColumnLabel(i + 1);
    }
    rows.add(header);
    while (rs.next()) {
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        Object v = rs.getObject(i + 1);
        row[i] = v == null ? "NULL" : v.toString();
      }
      rows.add(row);
    }
    int[] widths = new int[n];
    for (String[] row : rows) {
      for (int i = 0; i < n; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (int r = 0; r < rows.size(); r++) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < n; i++) {
        line.append(i == 0 ? "" : " | ").append(String.format("%-" + widths[i] + "s", rows.get(r)[i]));
      }
      System.out.println(line.toString().stripTrailing());
      if (r == 0) {
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < n; i++) {
          rule.append(i == 0 ? "" : "-+-").append("-".repeat(widths[i]));
        }
        System.out.println(rule);
      }
    }
    System.out.println("(" + (rows.size() - 1) + " rows)");
  }
}
