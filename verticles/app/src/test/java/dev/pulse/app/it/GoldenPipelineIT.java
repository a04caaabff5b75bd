package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pulse.app.PulseNode;
import dev.pulse.app.it.GoldenEvents.ActiveUsers;
import dev.pulse.app.it.GoldenEvents.Input;
import dev.pulse.app.it.GoldenEvents.PageViews;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The whole pipeline on a hand-computed input: the tables must equal the worked answer exactly. */
class GoldenPipelineIT {

  @AutoClose
  private PipelineFixture fixture;

  @Test
  void closedWindowsHoldExactlyTheHandComputedAnswer() {
    // Given the golden input in Kafka, and a node whose partitions go idle one second after catching up
    fixture = new PipelineFixture(Map.of("watermark.allowed.lateness", "30s", "watermark.idle.timeout", "1s"));
    fixture.createTopics();
    GoldenEvents.INPUT.forEach(in -> fixture.send(in.partition(), null, in.value()));

    // When the node reads everything, and the idle partitions' watermarks pass every window
    fixture.startNode();
    awaitAllReadAndFinal(fixture, "10:10");

    // Then
    assertEquals(expectedPageViews(), pageViews(fixture));
    assertEquals(expectedActiveUsers(), activeUsers(fixture));
    assertEquals(GoldenEvents.LATE_EVENTS, fixture.queryLong("SELECT sum(late_events) FROM pulse_partition_progress"));
    fixture.assertNoBlockedEventLoop();
  }

  @Test
  void aRestartBetweenTwoHalvesOfTheInputCountsNothingTwice() {
    // Given the first half of the golden input, read by a node that is then stopped cleanly
    fixture = new PipelineFixture(Map.of("watermark.allowed.lateness", "30s", "watermark.idle.timeout", "1h"));
    fixture.createTopics();
    List<Input> first = GoldenEvents.INPUT.stream().filter(Input::beforeSplit).toList();
    List<Input> second = GoldenEvents.INPUT.stream().filter(in -> !in.beforeSplit()).toList();
    first.forEach(in -> fixture.send(in.partition(), null, in.value()));
    PulseNode node = fixture.startNode();
    long[] firstCounts = new long[3];
    first.forEach(in -> firstCounts[in.partition()]++);
    awaitRead(fixture, firstCounts);
    fixture.stopNode(node);

    // When the second half arrives while no node runs, and a new node starts
    second.forEach(in -> fixture.send(in.partition(), null, in.value()));
    fixture.startNode();
    awaitRead(fixture, GoldenEvents.RECORDS_PER_PARTITION);

    // Then the tables hold the answer of one uninterrupted run: restored watermarks made the same events late
    assertEquals(expectedPageViews(), pageViews(fixture));
    assertEquals(expectedActiveUsers(), activeUsers(fixture));
    assertEquals(GoldenEvents.LATE_EVENTS, fixture.queryLong("SELECT sum(late_events) FROM pulse_partition_progress"));
    assertEquals(2, fixture.queryLong("SELECT min(owner_epoch) FROM pulse_partition_progress"),
        "every partition was claimed once per run");
    fixture.assertNoBlockedEventLoop();
  }

  static void awaitRead(PipelineFixture f, long[] recordsPerPartition) {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      for (int p = 0; p < recordsPerPartition.length; p++) {
        assertEquals(recordsPerPartition[p], f.queryLong(
            "SELECT next_offset FROM pulse_partition_progress WHERE kafka_partition = " + p), "partition " + p);
      }
    });
  }

  static void awaitAllReadAndFinal(PipelineFixture f, String lastWindowEnd) {
    awaitRead(f, GoldenEvents.RECORDS_PER_PARTITION);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals(3, f.queryLong(
        "SELECT count(*) FROM pulse_partition_progress WHERE watermark >= '2026-01-15T" + lastWindowEnd + ":00Z'"),
        "partitions whose watermark passed the last window"));
  }

  private static List<String> expectedPageViews() {
    return GoldenEvents.PAGE_VIEWS.stream().map(GoldenPipelineIT::format).toList();
  }

  private static List<String> expectedActiveUsers() {
    return GoldenEvents.ACTIVE_USERS.stream().map(GoldenPipelineIT::format).toList();
  }

  private static String format(PageViews p) {
    return p.windowStart() + "-" + p.windowEnd() + " " + p.pageUrl() + " " + p.views();
  }

  private static String format(ActiveUsers a) {
    return a.windowStart() + "-" + a.windowEnd() + " " + a.users();
  }

  static List<String> pageViews(PipelineFixture f) {
    return f.query("SELECT " + HHMM.formatted("window_start") + " AS s, " + HHMM.formatted("window_end")
            + " AS e, page_url, view_count FROM page_view_counts ORDER BY window_start, page_url").stream()
        .map(r -> r.get("s") + "-" + r.get("e") + " " + r.get("page_url") + " " + r.get("view_count"))
        .toList();
  }

  static List<String> activeUsers(PipelineFixture f) {
    return f.query("SELECT " + HHMM.formatted("window_start") + " AS s, " + HHMM.formatted("window_end")
            + " AS e, active_users FROM active_users ORDER BY window_start").stream()
        .map(r -> r.get("s") + "-" + r.get("e") + " " + r.get("active_users"))
        .toList();
  }

  /** Window bounds as UTC hour:minute, formatted by PostgreSQL. */
  private static final String HHMM = "to_char(%s AT TIME ZONE 'UTC', 'HH24:MI')";
}
