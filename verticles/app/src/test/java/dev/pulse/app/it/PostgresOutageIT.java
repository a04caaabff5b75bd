package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.verify.ConsistencyReport;
import dev.pulse.common.config.PgOptions;
import dev.pulse.common.config.PulseConfig;
import dev.pulse.common.metrics.Problems;
import dev.pulse.embedded.EmbeddedPostgresServer;
import dev.pulse.embedded.FreePorts;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL (the test's own server) is stopped for 30 s while events stream in at a steady rate, then started
 * again on the same data and port. Meanwhile the node (its own JVM, -Xmx512m) says what is wrong in /health,
 * stops reading once its sinks hold as many batches as they may, and its memory stays bounded; afterwards it
 * recovers with nothing done by hand, and every output is exact.
 */
class PostgresOutageIT {

  private static final int EVENTS_PER_SECOND = 1_000;
  private static final Duration OUTAGE = Duration.ofSeconds(30);
  /** Five times the second test's ingest.sink.timeout. */
  private static final Duration LONG_OUTAGE = Duration.ofSeconds(15);
  /** With -Xmx512m: heap, metaspace, code cache, thread stacks and Kafka's buffers. */
  private static final long RSS_BOUND_KB = 700 * 1024;

  @TempDir
  Path dir;

  private EmbeddedPostgresServer postgres;
  private int pgPort;
  /** The running server, or null while it is stopped. */
  private PipelineFixture fixture;
  private NodeProcess node;
  private SteadyStream stream;

  @AfterEach
  void stopEverything() {
    if (stream != null) {
      stream.close();
    }
    if (node != null) {
      node.close();
    }
    try {
      if (fixture != null && postgres != null) {
        fixture.close(); // drops its schema, which needs the server
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Test
  void ingestPausesWithBoundedMemoryWhilePostgresIsDownAndRecoversByItselfWithExactOutputs() throws Exception {
    // Given a node on a PostgreSQL of the test's own, with events streaming in
    int dashboardPort = startStreaming("pg-outage", "pgo", "ingest.stall.timeout", "3s");
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(view_count), 0) FROM page_view_counts") >= 2_000);
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.lakeCount("count(*)") >= 2_000);
    long rssBefore = rssKb(node);

    // When PostgreSQL stops
    postgres.close();
    postgres = null;
    long down = System.nanoTime();

    // Then /health says the aggregator's checkpoints fail and the partitions are stalled ...
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      PipelineFixture.HttpAnswer health = PipelineFixture.get(dashboardPort, "/health");
      assertEquals(503, health.status(), health.body());
      assertTrue(health.body().contains(Problems.Kind.SINK_WRITE_FAILED.id()), health.body());
      assertTrue(health.body().contains("\"component\":\"aggregator\""), health.body());
      assertTrue(health.body().contains(Problems.Kind.PARTITION_STALLED.id()), health.body());
    });
    // ... ingest stops reading once the sinks hold what they may (no more records read for 3 s) ...
    long[] lastRead = {-1};
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofSeconds(3)).until(() -> {
      long read = recordsRead(dashboardPort);
      boolean flat = read == lastRead[0];
      lastRead[0] = read;
      return flat;
    });
    long readWhenPaused = lastRead[0];
    // ... and stays paused, with bounded memory, until PostgreSQL is back
    long rssDuring = rssKb(node);
    long outageLeft = OUTAGE.toNanos() - (System.nanoTime() - down);
    await().pollDelay(Duration.ofNanos(Math.max(0, outageLeft))).atMost(OUTAGE).until(() -> true);
    rssDuring = Math.max(rssDuring, rssKb(node));
    assertEquals(readWhenPaused, recordsRead(dashboardPort), "records read while PostgreSQL was down and paused");
    PipelineFixture.HttpAnswer stillDown = PipelineFixture.get(dashboardPort, "/health");
    assertEquals(503, stillDown.status(), stillDown.body());
    assertTrue(rssDuring < RSS_BOUND_KB, "RSS during the outage: " + rssDuring + " kB");

    // When PostgreSQL starts again on the same data and port
    postgres = EmbeddedPostgresServer.start(pgPort, dir.resolve("postgres"), false);
    long up = System.nanoTime();

    // Then the node recovers by itself
    await().atMost(Duration.ofSeconds(45)).untilAsserted(() -> {
      PipelineFixture.HttpAnswer health = PipelineFixture.get(dashboardPort, "/health");
      assertEquals(200, health.status(), health.body());
    });
    double recoverySeconds = (System.nanoTime() - up) / 1e9;
    stream.stop();
    long drainFrom = System.nanoTime();

    // And once everything is read, every output holds each event exactly once
    long records = stream.records();
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(next_offset), 0) FROM pulse_partition_progress") == records);
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.lakeCount("count(*)") == stream.valid());
    double drainSeconds = (System.nanoTime() - drainFrom) / 1e9;
    List<JsonObject> enriched = fixture.assertEveryOutputExact(stream);
    ConsistencyReport report = fixture.assertPostgresAgreesWithLake(Duration.ofSeconds(20));
    // the lake's counter counts what its files hold, also for rolls renamed while the fence could not commit
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(stream.valid(),
        scraped(dashboardPort, "pulse_sink_events_total{sink=\"lake-writer\"}")));
    long rssAfter = rssKb(node);
    assertTrue(rssAfter < RSS_BOUND_KB, "RSS after the outage: " + rssAfter + " kB");
    System.out.printf("PostgresOutageIT: %d records (%d valid, %d page views, %d invalid); lake %d, enriched %d, "
            + "dlq %d, page views %d; read while paused %d; healthy %.1f s after PostgreSQL was back, "
            + "backlog written %.1f s after the input stopped; RSS before %d MB, during %d MB, after %d MB; %s%n",
        records, stream.valid(), stream.pageViews(), stream.invalid(), fixture.lakeCount("count(*)"), enriched.size(),
        stream.invalid(), fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"), readWhenPaused,
        recoverySeconds, drainSeconds, rssBefore / 1024,
        rssDuring / 1024, rssAfter / 1024, report.pageViews());
  }

  @Test
  void pastTheSinkTimeoutTheEnricherGoesOnWithoutReadingAgainInALoopAndEveryOutputIsExactAfterwards()
      throws Exception {
    // Given a node whose sinks may hold a partition back for 3 s, with events streaming in
    int dashboardPort = startStreaming("pg-long-outage", "pgl", "ingest.sink.timeout", "3s");
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(view_count), 0) FROM page_view_counts") >= 2_000);

    // When PostgreSQL stays down for five times the sink timeout
    postgres.close();
    postgres = null;
    long down = System.nanoTime();

    // Then the aggregator and the lake (whose commits are fenced in PostgreSQL) are left out and show in /health,
    // while the enriched stream goes on ...
    long enrichedAtStop = scraped(dashboardPort, "pulse_sink_events_total{sink=\"enricher\"}");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      PipelineFixture.HttpAnswer health = PipelineFixture.get(dashboardPort, "/health");
      assertEquals(503, health.status(), health.body());
      assertTrue(health.body().contains(Problems.Kind.SINK_SUSPENDED.id()), health.body());
      assertTrue(health.body().contains("\"component\":\"aggregator\""), health.body());
      assertTrue(scraped(dashboardPort, "pulse_sink_events_total{sink=\"enricher\"}") >= enrichedAtStop + 3_000,
          "the enriched stream goes on without PostgreSQL");
    });
    // ... and no sink is taken back while it still cannot write: nothing is read again in a loop
    long outageLeft = LONG_OUTAGE.toNanos() - (System.nanoTime() - down);
    await().pollDelay(Duration.ofNanos(Math.max(0, outageLeft))).atMost(LONG_OUTAGE).until(() -> true);
    assertFalse(node.output().contains("can write again"), "a sink was taken back while PostgreSQL was down:\n"
        + node.output().lines().filter(l -> l.contains("can write again")).limit(5).toList());
    long handedOverDuringOutage = scraped(dashboardPort, "pulse_ingest_records_handed_over_total");
    long readDuringOutage = recordsRead(dashboardPort);

    // When PostgreSQL is back
    postgres = EmbeddedPostgresServer.start(pgPort, dir.resolve("postgres"), false);
    await().atMost(Duration.ofSeconds(45)).untilAsserted(() -> assertEquals(200,
        PipelineFixture.get(dashboardPort, "/health").status()));
    assertTrue(node.output().contains("can write again"), "the aggregator was taken back");
    stream.stop();

    // Then every output holds each event exactly once
    long records = stream.records();
    List<JsonObject> enriched = fixture.assertEachValidEventOnce(stream);
    assertEquals(stream.pageViews(), fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"),
        "every page view counted once");
    // (the first test compares the lake with PostgreSQL window by window; these ~40 s of events may not close one)
    System.out.printf("PostgresOutageIT (past the sink timeout): %d records; during the %d s outage %d read, %d "
            + "handed to the sinks; enriched %d%n", records, LONG_OUTAGE.toSeconds(), readDuringOutage,
        handedOverDuringOutage, enriched.size());
  }

  /**
   * Starts a PostgreSQL of the test's own, a node with every role on it ({@code setting} = {@code value} besides
   * the test's shared settings) and a steady stream of events; answers the node's dashboard port.
   */
  private int startStreaming(String nodeName, String idPrefix, String setting, String value) throws Exception {
    pgPort = FreePorts.one();
    postgres = EmbeddedPostgresServer.start(pgPort, dir.resolve("postgres"), false);
    PgOptions pg = PgOptions.from(PulseConfig.defaults())
        .withServer(postgres.host(), postgres.port(), postgres.database(), postgres.user(), "");
    fixture = new PipelineFixture(Map.of("watermark.allowed.lateness", "10s", "watermark.idle.timeout", "1s",
        "ingest.retry.backoff.max", "2s", setting, value), null, pg);
    fixture.createTopics();
    int dashboardPort = FreePorts.one();
    node = NodeProcess.start(fixture, nodeName, Map.of("roles", "ingest,aggregator,lake-writer,enricher,dashboard",
        "dashboard.port", String.valueOf(dashboardPort)), List.of());
    stream = new SteadyStream(fixture.kafkaBootstrap(), fixture.topics.input(), idPrefix, EVENTS_PER_SECOND).start();
    return dashboardPort;
  }

  /** {@code pulse_ingest_records_total} from the node's /metrics. */
  private static long recordsRead(int dashboardPort) {
    return scraped(dashboardPort, "pulse_ingest_records_total");
  }

  /** One sample of the node's /metrics, by the start of its line (name and labels). */
  private static long scraped(int dashboardPort, String sample) {
    PipelineFixture.HttpAnswer metrics = PipelineFixture.get(dashboardPort, "/metrics");
    return metrics.body().lines().filter(l -> l.startsWith(sample))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + sample + " in /metrics"));
  }

  private static long rssKb(NodeProcess node) throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(node.pid()), "status")).stream()
        .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst()
        .orElseThrow();
  }

}
