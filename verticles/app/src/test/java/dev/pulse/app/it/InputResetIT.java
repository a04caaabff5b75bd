package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import dev.pulse.common.metrics.Problems;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The input topic is deleted and created again (or Kafka's data is wiped) while PostgreSQL, the lake and the
 * enricher's offsets keep their checkpoints: the new records start again at offset 0, below every checkpoint.
 * Pulse must never skip them silently: it refuses the partition loudly, and processes it from offset 0 when
 * the user asks for that.
 */
class InputResetIT {

  private static final Instant T0 = Instant.parse("2026-01-15T10:00:00Z");

  @AutoClose
  private PipelineFixture fixture;

  @Test
  void aRecreatedTopicIsRefusedLoudlyThenProcessedFromTheStartWhenTheUserSaysSo() {
    // Given 30 page views fully processed, then the input topic recreated holding 10 new ones
    fixture = new PipelineFixture(Map.of("topics.partitions", "1", "watermark.allowed.lateness", "1h",
        "roles", "ingest,aggregator,lake-writer,enricher,dashboard"));
    fixture.createTopics();
    send("old", 30, 0);
    PulseNode node = fixture.startNode();
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.lakeCount("count(*)") == 30
        && fixture.queryLong("SELECT next_offset FROM pulse_partition_progress") == 30);
    fixture.stopNode(node);
    fixture.recreateInputTopic();
    send("new", 10, 30);

    // When a node starts on the recreated topic
    PulseNode refusing = fixture.startNode();

    // Then it refuses the partition, says why and how to go on, and skips nothing
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      PipelineFixture.HttpAnswer health = fixture.health(refusing);
      assertEquals(503, health.status(), health.body());
      assertTrue(health.body().contains(Problems.Kind.INPUT_BEHIND_CHECKPOINT.id()), health.body());
      assertTrue(health.body().contains("--reset-on-new-topic"), health.body());
    });
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(10.0, PipelineFixture.metric(refusing,
        "pulse.consumer.lag", Map.of("partition", "0")), "lag counts every record of the new log"));
    assertEquals(30, fixture.queryLong("SELECT next_offset FROM pulse_partition_progress"));
    assertEquals(30, fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"));
    assertEquals(30, fixture.lakeCount("count(*)"));
    fixture.stopNode(refusing);

    // When the user restarts it asking for a reset (pulse run --reset-on-new-topic)
    PulseNode resetting = fixture.startNode(Map.of("ingest.on.input.reset", "reset"));

    // Then every new event is processed once, next to the old results, which stay
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.lakeCount("count(*)") == 40
        && fixture.queryLong("SELECT next_offset FROM pulse_partition_progress") == 10);
    assertEquals(40, fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"));
    assertEquals(40, fixture.lakeCount("count(DISTINCT event_id)"));
    List<JsonObject> enriched = fixture.readEnriched(40);
    Set<String> ids = new HashSet<>();
    enriched.forEach(e -> ids.add(e.getString("event_id")));
    assertEquals(40, enriched.size());
    assertEquals(40, ids.size());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(200, fixture.health(resetting).status()));
    fixture.assertNoBlockedEventLoop();
  }

  private void send(String prefix, int count, int secondsFrom) {
    for (int i = 0; i < count; i++) {
      String json = new JsonObject().put("event_id", prefix + "-" + i).put("user_id", "u-" + i)
          .put("page_url", "/p/" + (i % 3)).put("event_type", "page_view")
          .put("timestamp", T0.plusSeconds(secondsFrom + i).toString()).encode();
      fixture.send(0, "u-" + i, json.getBytes(StandardCharsets.UTF_8));
    }
  }

}
