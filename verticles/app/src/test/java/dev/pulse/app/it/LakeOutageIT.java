package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import dev.pulse.common.metrics.Problems;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The lake cannot be written (here: its date folder's name is taken by a file, as good as a full or read-only
 * disk for the writer). The lake-writer stops taking data and says why in /health and /metrics, the other sinks
 * go on, retries back off, and once the lake can be written again it catches up with every event once.
 */
class LakeOutageIT {

  private static final Instant T0 = Instant.parse("2026-01-15T10:00:00Z");
  private static final int EVENTS = 40;

  @AutoClose
  private PipelineFixture fixture;

  @Test
  void aLakeThatCannotBeWrittenIsReportedTheOtherSinksGoOnAndItCatchesUpAfterwards() throws Exception {
    // Given a node whose lake cannot create the folder of the events' date
    fixture = new PipelineFixture(Map.of("topics.partitions", "1", "watermark.allowed.lateness", "1h",
        "ingest.retry.backoff.max", "2s", "roles", "ingest,aggregator,lake-writer,enricher,dashboard"));
    fixture.createTopics();
    Path blocker = fixture.lakeDir.resolve("event_date=2026-01-15");
    Files.writeString(blocker, "a file where the lake wants a folder");
    PulseNode node = fixture.startNode();

    // When events arrive
    for (int i = 0; i < EVENTS; i++) {
      String json = new JsonObject().put("event_id", "e-" + i).put("user_id", "u-" + i).put("page_url", "/p")
          .put("event_type", "page_view").put("timestamp", T0.plusSeconds(i).toString()).encode();
      fixture.send(0, "u-" + i, json.getBytes(StandardCharsets.UTF_8));
    }

    // Then PostgreSQL and the enriched stream get every event while the lake is out ...
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.queryLong(
        "SELECT sum(view_count) FROM page_view_counts") == EVENTS);
    assertEquals(EVENTS, fixture.readEnriched(EVENTS).size());
    // ... and /health, /metrics and the lag say which sink is stuck and why
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      PipelineFixture.HttpAnswer health = fixture.health(node);
      assertEquals(503, health.status(), health.body());
      assertTrue(health.body().contains(Problems.Kind.SINK_WRITE_FAILED.id()), health.body());
      assertTrue(health.body().contains("lake-writer"), health.body());
      assertTrue(health.body().contains("event_date=2026-01-15"), health.body());
      assertEquals(EVENTS, PipelineFixture.metric(node, "pulse.sink.lag", Map.of("sink", "lake-writer")));
    });
    assertEquals(0.0, PipelineFixture.metric(node, "pulse.sink.lag", Map.of("sink", "aggregator")));
    // ... while retries back off instead of re-reading the partition in a loop
    double failuresAt = failures(node);
    long from = System.nanoTime();
    await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(7)).until(() -> true);
    double perSecond = (failures(node) - failuresAt) / ((System.nanoTime() - from) / 1e9);
    assertTrue(perSecond <= 1.0, "lake retries per second while it stays broken: " + perSecond);

    // When the lake can be written again
    Files.delete(blocker);

    // Then it catches up with every event exactly once, and the node is healthy again
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.lakeCount("count(*)") == EVENTS);
    assertEquals(EVENTS, fixture.lakeCount("count(DISTINCT event_id)"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(200, fixture.health(node).status()));
    assertEquals(EVENTS, fixture.readEnriched(EVENTS).size(), "the catch-up wrote nothing twice elsewhere");
    assertEquals(EVENTS, fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"));
    fixture.assertNoBlockedEventLoop();
  }

  private static double failures(PulseNode node) {
    return PipelineFixture.metric(node, "pulse.failures", Map.of("kind", Problems.Kind.SINK_WRITE_FAILED.id(),
        "component", "lake-writer"));
  }

}
