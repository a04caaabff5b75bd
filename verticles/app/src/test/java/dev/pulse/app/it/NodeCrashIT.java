package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three nodes as separate JVMs, each on its own loopback address with the Hazelcast cluster on, share the
 * partitions; one is killed with SIGKILL mid-stream and started again. Every event must still be in the lake
 * once, in the enriched stream once, and counted once in PostgreSQL; the dead node's partitions are taken over
 * within 15 s.
 */
class NodeCrashIT {

  private static final int EVENTS = 12_000;
  private static final int INVALID_EVERY = 100;
  private static final String MEMBERS = "127.0.0.2,127.0.0.3,127.0.0.4";

  private PipelineFixture fixture;
  private final List<NodeProcess> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(NodeProcess::close);
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aNodeKilledMidStreamAndStartedAgainLosesAndDoublesNothing() throws Exception {
    // Given three nodes (separate JVMs, one cluster) sharing six partitions
    fixture = new PipelineFixture(Map.of("topics.partitions", "6", "watermark.allowed.lateness", "10m",
        "lake.roll.interval", "300ms"));
    fixture.createTopics();
    startNode("a", "127.0.0.2"); // first, so that the others join it
    NodeProcess b = launchNode("b", "127.0.0.3");
    launchNode("c", "127.0.0.4").awaitRunning();
    b.awaitRunning();
    await().atMost(Duration.ofSeconds(90)).until(() -> fixture.queryLong(
        "SELECT count(DISTINCT owner) FROM pulse_partition_progress") == 3);

    // When events flow in, node b is killed with SIGKILL part-way, and started again a little later
    int pageViews = 0;
    Set<String> ids = new HashSet<>();
    long start = System.nanoTime();
    CompletableFuture<Long> takeover = null;
    boolean restarted = false;
    for (int i = 0; i < EVENTS; i++) {
      boolean pageView = i % 3 != 0;
      pageViews += pageView ? 1 : 0;
      String id = "crash-" + i;
      ids.add(id);
      String user = "u-" + (i % 701);
      String json = new JsonObject().put("event_id", id).put("user_id", user).put("page_url", "/p/" + (i % 13))
          .put("event_type", pageView ? "page_view" : "click").put("timestamp", Instant.now().toString()).encode();
      fixture.producer().send(new ProducerRecord<>(fixture.topics.input(), user.getBytes(StandardCharsets.UTF_8),
          json.getBytes(StandardCharsets.UTF_8)));
      if (i % INVALID_EVERY == 0) {
        fixture.producer().send(new ProducerRecord<>(fixture.topics.input(), user.getBytes(StandardCharsets.UTF_8),
            ("{broken " + i).getBytes(StandardCharsets.UTF_8)));
      }
      if (i % 200 == 0) {
        // about 2,000 events a second, so that the kill and the restart happen mid-stream
        long due = start + TimeUnit.MILLISECONDS.toNanos(i / 2);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      if (takeover == null && i == EVENTS / 3) {
        b.kill();
        takeover = timeUntilClaimedAgain("b");
      }
      if (!restarted && i == 2 * EVENTS / 3) {
        startNode("b-again", "127.0.0.3");
        restarted = true;
      }
    }
    fixture.producer().flush();

    // Then the killed node's partitions are taken over within 15 s (Kafka's session timeout is 10 s)
    long failoverMs = takeover.get(90, TimeUnit.SECONDS);
    System.out.printf("node-crash: the partitions of the SIGKILLed node were claimed again %d ms after the kill%n",
        failoverMs);
    assertTrue(failoverMs <= 15_000, "failover took " + failoverMs + " ms");

    // and, once everything is read, each output holds every event exactly once
    int invalid = EVENTS / INVALID_EVERY;
    await().atMost(Duration.ofSeconds(120)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(next_offset), 0) FROM pulse_partition_progress") == EVENTS + invalid);
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.lakeCount("count(*)") == EVENTS);
    assertEquals(EVENTS, fixture.lakeCount("count(DISTINCT event_id)"), "no event twice in the lake");
    assertEquals(pageViews, fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"),
        "every page view counted once");
    List<JsonObject> enriched = fixture.readEnriched(EVENTS);
    assertEquals(EVENTS, enriched.size(), "no event twice in the enriched stream");
    Set<String> enrichedIds = new HashSet<>();
    enriched.forEach(e -> enrichedIds.add(e.getString("event_id")));
    assertEquals(ids, enrichedIds);
    assertEquals(invalid, fixture.readAll(fixture.topics.deadLetter(), invalid).size(),
        "every invalid record dead-lettered once");
  }


  /**
   * Times, from now, until no partition is owned by {@code node} any more. It runs beside the test's own thread,
   * which goes on producing and blocks for seconds while the node starts again: timed from there, the takeover
   * would include that start-up.
   */
  private CompletableFuture<Long> timeUntilClaimedAgain(String node) {
    long from = System.nanoTime();
    return CompletableFuture.supplyAsync(() -> {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> fixture.queryLong(
          "SELECT count(*) FROM pulse_partition_progress WHERE owner = '" + node + "'") == 0);
      return (System.nanoTime() - from) / 1_000_000;
    });
  }

  private NodeProcess startNode(String name, String address) {
    return launchNode(name, address).awaitRunning();
  }

  private NodeProcess launchNode(String name, String address) {
    NodeProcess node = NodeProcess.launch(fixture, name, Map.of("cluster.enabled", "true", "cluster.host", address,
        "cluster.members", MEMBERS), List.of());
    nodes.add(node);
    return node;
  }
}
