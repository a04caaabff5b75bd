package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.Main;
import dev.pulse.app.PulseNode;
import dev.pulse.app.verify.Consistency;
import dev.pulse.app.verify.ConsistencyReport;
import dev.pulse.app.verify.ConsistencyReport.ActiveUserSummary;
import dev.pulse.app.verify.ConsistencyReport.LakeSummary;
import dev.pulse.app.verify.ConsistencyReport.PageViewSummary;
import dev.pulse.app.verify.Difference;
import dev.pulse.app.verify.Difference.ActiveUsersMissingInPg;
import dev.pulse.app.verify.Difference.ActiveUsersOutsideBound;
import dev.pulse.app.verify.Difference.Copy;
import dev.pulse.app.verify.Difference.DuplicateEventId;
import dev.pulse.app.verify.Difference.PageViewsDiffer;
import dev.pulse.app.verify.Difference.PageViewsMissingInLake;
import dev.pulse.app.verify.Difference.PageViewsMissingInPg;
import dev.pulse.app.verify.VerifyRange;
import dev.pulse.app.verify.VerifyTarget;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.lake.LakeIndex;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code pulse verify} on the golden input: a clean run is consistent, and each way PostgreSQL or the lake is then
 * tampered with is reported as exactly the difference worked out by hand (see {@link GoldenEvents}).
 */
class VerifyIT {

  @AutoClose
  private PipelineFixture fixture;

  private static Instant at(String hhmm) {
    return Instant.parse("2026-01-15T" + hhmm + ":00Z");
  }

  @Test
  void aCleanRunIsConsistentAndEveryTamperingIsReportedPrecisely() throws Exception {
    // Given the golden input, read by a node whose idle partitions then close every window, in PostgreSQL and the lake
    fixture = new PipelineFixture(Map.of("watermark.allowed.lateness", "30s", "watermark.idle.timeout", "1s"));
    fixture.createTopics();
    GoldenEvents.INPUT.forEach(in -> fixture.send(in.partition(), null, in.value()));
    PulseNode node = fixture.startNode();
    GoldenPipelineIT.awaitAllReadAndFinal(fixture, "10:10");
    await().atMost(Duration.ofSeconds(30)).until(() -> lakeNextOffsets().equals(List.of(8L, 6L, 3L)));
    VerifyTarget target = new VerifyTarget(fixture.lakeDir, fixture.pg(), fixture.topics.input());

    // When the untouched deployment is checked
    ConsistencyReport clean = Consistency.check(target, VerifyRange.ALL);

    // Then every closed window matches: 6 page-view windows with 8 URL counts (11 views), 10 active-user windows
    assertEquals(List.of(), clean.differences(), () -> String.join("\n", clean.textLines()));
    assertEquals(List.of(), clean.notes());
    assertTrue(clean.closedBefore().isAfter(at("10:10")), "closed before " + clean.closedBefore());
    assertEquals(new PageViewSummary(6, 8, 11, 11), clean.pageViews());
    assertEquals(new ActiveUserSummary(10, 0.0), clean.activeUsers());
    assertEquals(new LakeSummary(16, 0), clean.lakeEvents(), "16 valid records, 4 of them late");
    assertTrue(clean.consistent());

    // When both sides are tampered with, with the node stopped so nothing rewrites them
    fixture.stopNode(node);
    tamperWithPostgres();
    String duplicated = fixture.topics.input() + "-0-6"; // partition 0's 10:02:30 page view of /products/1
    copyLakeRowToNewFile(0, 6, fixture.lakeDir.resolve("event_date=2026-01-15").resolve("part-copied-by-hand.parquet"));
    ConsistencyReport tampered = Consistency.check(target, VerifyRange.ALL);

    // Then each change is one difference, with the values on both sides
    List<Difference> expected = List.of(
        new PageViewsDiffer(at("10:00"), at("10:01"), "/home", 3, 8),
        new PageViewsDiffer(at("10:02"), at("10:03"), "/products/1", 2, 1),
        new PageViewsMissingInLake(at("10:03"), at("10:04"), "/ghost", 4),
        new PageViewsMissingInPg(at("10:05"), at("10:06"), "/products/2", 1),
        new ActiveUsersMissingInPg(at("09:58"), at("10:03"), 7),
        new ActiveUsersOutsideBound(at("10:00"), at("10:05"), 8, 11),
        new DuplicateEventId(duplicated, List.of(new Copy(0, 6), new Copy(0, 6))));
    assertEquals(expected, tampered.differences(), () -> String.join("\n", tampered.textLines()));
    assertEquals(new PageViewSummary(6, 9, 12, 19), tampered.pageViews());
    assertEquals(new ActiveUserSummary(10, 0.4), tampered.activeUsers(), "10:02 is 7 for 5: 40 %, yet within 2");
    assertEquals(new LakeSummary(17, 1), tampered.lakeEvents());
    assertTrue(tampered.textLines().containsAll(List.of(
        "  page_view_counts 2026-01-15T10:00:00Z/2026-01-15T10:01:00Z /home: count differs (lake 3, PG 8)",
        "  page_view_counts 2026-01-15T10:03:00Z/2026-01-15T10:04:00Z /ghost: missing in the lake (PG 4)",
        "  page_view_counts 2026-01-15T10:05:00Z/2026-01-15T10:06:00Z /products/2: missing in PG (lake 1)",
        "  active_users 2026-01-15T09:58:00Z/2026-01-15T10:03:00Z: missing in PG (lake distinct 7)",
        "  active_users 2026-01-15T10:00:00Z/2026-01-15T10:05:00Z: active users outside the bound (lake distinct 8, "
            + "PG estimate 11, error 37.5 %)",
        "  lake event_id " + duplicated + ": 2 copies (partition 0 offset 6, partition 0 offset 6)")),
        () -> String.join("\n", tampered.textLines()));

    // And a range keeps to the windows inside it: 10:01 and 10:02 for page views, no 5-minute window
    ConsistencyReport ranged = Consistency.check(target,
        new VerifyRange(Optional.of(at("10:01")), Optional.of(at("10:03"))));
    assertEquals(List.of(new PageViewsDiffer(at("10:02"), at("10:03"), "/products/1", 2, 1),
        new DuplicateEventId(duplicated, List.of(new Copy(0, 6), new Copy(0, 6)))), ranged.differences());
    assertEquals(new PageViewSummary(2, 3, 4, 3), ranged.pageViews());
    assertEquals(new ActiveUserSummary(0, 0.0), ranged.activeUsers());

    // And the command says so too, machine-readably, with exit code 1
    List<String> args = new ArrayList<>(List.of("verify", "--json"));
    args.addAll(fixture.settingsAsArguments());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exitCode;
    try {
      exitCode = new CommandLine(new Main()).execute(args.toArray(String[]::new));
    } finally {
      System.setOut(original);
    }
    assertEquals(1, exitCode);
    JsonObject json = new JsonObject(out.toString(StandardCharsets.UTF_8));
    assertEquals(false, json.getBoolean("consistent"));
    assertEquals(7, json.getJsonArray("differences").size());
    assertEquals(new JsonObject().put("windowStart", "2026-01-15T10:00:00Z").put("windowEnd", "2026-01-15T10:05:00Z")
            .put("lakeDistinct", 8).put("pgEstimate", 11).put("kind", "active_users_outside_bound")
            .put("errorPercent", 37.5)
            .put("text", "active_users 2026-01-15T10:00:00Z/2026-01-15T10:05:00Z: active users outside the bound "
                + "(lake distinct 8, PG estimate 11, error 37.5 %)"),
        json.getJsonArray("differences").getJsonObject(5));
    fixture.assertNoBlockedEventLoop();
  }

  /**
   * Worked out from the golden answer: [10:00) /home is 2 in partition 0 and 1 in partition 1; active users are
   * 7 for [09:58), 8 for [10:00), 6 for [10:01) and 5 for [10:02).
   */
  private void tamperWithPostgres() {
    fixture.query("UPDATE page_view_counts_by_partition SET view_count = 7 WHERE kafka_partition = 0"
        + " AND window_start = '2026-01-15T10:00:00Z' AND page_url = '/home' RETURNING 1");
    fixture.query("INSERT INTO page_view_counts_by_partition VALUES (2, '2026-01-15T10:03:00Z',"
        + " '2026-01-15T10:04:00Z', '/ghost', 4) RETURNING 1");
    fixture.query("DELETE FROM page_view_counts_by_partition WHERE window_start = '2026-01-15T10:05:00Z'"
        + " AND page_url = '/products/2' RETURNING 1");
    fixture.query("DELETE FROM active_users WHERE window_start = '2026-01-15T09:58:00Z' RETURNING 1");
    fixture.query("UPDATE active_users SET active_users = 11 WHERE window_start = '2026-01-15T10:00:00Z' RETURNING 1");
    // Within the bound, so not reported: one off for 6, and two off (the absolute slack) for 5.
    fixture.query("UPDATE active_users SET active_users = 7 WHERE window_start = '2026-01-15T10:01:00Z' RETURNING 1");
    fixture.query("UPDATE active_users SET active_users = 7 WHERE window_start = '2026-01-15T10:02:00Z' RETURNING 1");
  }

  /** Writes one lake row again, to a file of its own, with DuckDB: a lake holding that event twice. */
  private void copyLakeRowToNewFile(int partition, long offset, Path file) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
      st.execute("COPY (SELECT * EXCLUDE (event_date) FROM read_parquet('" + fixture.lakeDir
          + "/event_date=*/*.parquet', hive_partitioning = true) WHERE kafka_partition = " + partition
          + " AND kafka_offset = " + offset + ") TO '" + file + "' (FORMAT parquet)");
    }
  }

  private List<Long> lakeNextOffsets() {
    return LakeIndex.committed(fixture.lakeDir).values().stream().map(SinkCheckpoint::nextOffset).toList();
  }
}
