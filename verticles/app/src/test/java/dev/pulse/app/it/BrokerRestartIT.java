package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import dev.pulse.app.verify.ConsistencyReport;
import dev.pulse.embedded.EmbeddedKafkaBroker;
import dev.pulse.embedded.FreePorts;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka broker (the test's own) is stopped and started again on the same data and ports while events stream
 * in. The node's consumers and producers reconnect by themselves, and every output holds each event exactly once.
 */
class BrokerRestartIT {

  private static final int EVENTS_PER_SECOND = 1_000;
  /** As the shared broker: a node notices a lost group member within a few seconds. */
  private static final Map<String, String> BROKER_SETTINGS = Map.of("group.consumer.heartbeat.interval.ms", "500",
      "group.consumer.min.heartbeat.interval.ms", "500");

  @TempDir
  Path dir;

  private EmbeddedKafkaBroker broker;
  private PipelineFixture fixture;
  private SteadyStream stream;

  @AfterEach
  void stopEverything() {
    try {
      if (stream != null) {
        stream.close();
      }
      if (fixture != null) {
        fixture.close();
      }
    } finally {
      if (broker != null) {
        broker.close();
      }
    }
  }

  @Test
  void clientsReconnectAfterABrokerRestartMidStreamAndEveryOutputIsExact() throws Exception {
    // Given a node on a broker of the test's own, with events streaming in
    int port = FreePorts.pair();
    Path logDir = dir.resolve("kafka");
    broker = EmbeddedKafkaBroker.start("127.0.0.1", port, logDir, BROKER_SETTINGS);
    fixture = new PipelineFixture(Map.of("watermark.allowed.lateness", "10s", "watermark.idle.timeout", "1s",
        "roles", "ingest,aggregator,lake-writer,enricher,dashboard"), broker.bootstrapServers(), null);
    fixture.createTopics();
    PulseNode node = fixture.startNode();
    stream = new SteadyStream(broker.bootstrapServers(), fixture.topics.input(), "kr", EVENTS_PER_SECOND).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(view_count), 0) FROM page_view_counts") >= 2_000);
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.lakeCount("count(*)") >= 2_000);

    // When the broker stops ...
    int coldStartWarnings = fixture.blockedEventLoopWarnings().size();
    long stopping = System.nanoTime();
    broker.close();
    broker = null;
    double stopSeconds = (System.nanoTime() - stopping) / 1e9;
    // ... /health says Kafka is away ...
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      PipelineFixture.HttpAnswer health = fixture.health(node);
      assertEquals(503, health.status(), health.body());
      assertTrue(health.body().contains("\"id\":\"kafka\",\"status\":\"DOWN\""), health.body());
    });
    // ... and it starts again on the same data and ports
    broker = EmbeddedKafkaBroker.start("127.0.0.1", port, logDir, BROKER_SETTINGS);
    long up = System.nanoTime();
    double downSeconds = (up - stopping) / 1e9;
    double readAtRestart = readRecords(node);

    // Then the node reads again and is healthy, with nothing done by hand
    await().atMost(Duration.ofSeconds(60)).until(() -> readRecords(node) > readAtRestart);
    double resumedSeconds = (System.nanoTime() - up) / 1e9;
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      PipelineFixture.HttpAnswer health = fixture.health(node);
      assertEquals(200, health.status(), health.body());
    });
    double healthySeconds = (System.nanoTime() - up) / 1e9;
    long acknowledgedAtHealthy = stream.acknowledged();
    await().atMost(Duration.ofSeconds(30)).until(() -> stream.acknowledged() >= acknowledgedAtHealthy + 2_000);
    stream.stop();

    // And once everything is read, every output holds each event exactly once
    long records = stream.records();
    List<JsonObject> enriched = fixture.assertEveryOutputExact(stream);
    // a 1-minute window closes once the idle watermark (the clock minus the 10 s lateness) passes its end: when
    // the stream fit in one minute, that is up to 70 s after it stopped
    ConsistencyReport report = fixture.assertPostgresAgreesWithLake(Duration.ofSeconds(90));
    List<String> blocked = fixture.blockedEventLoopWarnings();
    assertEquals(List.of(), blocked.subList(coldStartWarnings, blocked.size()),
        "an event loop was blocked while the clients reconnected");
    System.out.printf("BrokerRestartIT: %d records (%d valid, %d page views, %d invalid); lake %d, enriched %d, "
            + "dlq %d, page views %d; broker down %.1f s (its stop took %.1f s); reading again %.1f s and "
            + "healthy %.1f s after the broker was back; %s%n", records, stream.valid(), stream.pageViews(),
        stream.invalid(), fixture.lakeCount("count(*)"), enriched.size(), stream.invalid(), fixture.queryLong(
            "SELECT sum(view_count) FROM page_view_counts"), downSeconds, stopSeconds, resumedSeconds, healthySeconds,
        report.pageViews());
  }

  private static double readRecords(PulseNode node) {
    return PipelineFixture.metric(node, "pulse.ingest.records", Map.of());
  }

}
