package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node that stops answering without dying: three workers as separate JVMs on their own loopback addresses,
 * the Hazelcast cluster on, and one of them frozen with SIGSTOP mid-stream for longer than Kafka's session timeout
 * and Hazelcast's heartbeat timeout, then continued. To the others that is a network split: the group gives its
 * partitions away and the cluster drops it, while it still holds open windows, unrolled lake files and batches.
 * Woken, it is a zombie until it learns what happened: whatever it still writes must be refused by the sinks'
 * fences (owner epochs in PostgreSQL, the lake's fence, transactional ids), it must come back into the group and,
 * once Hazelcast merges the two sides, into every dashboard's node list. Every output must stay exact.
 */
class FrozenNodeIT {

  private static final String MEMBERS = "127.0.0.2,127.0.0.3,127.0.0.4";
  private static final Pattern DASHBOARD_PORT = Pattern.compile("Dashboard +http://127\\.0\\.0\\.1:(\\d+)/");
  private static final Duration FROZEN_FOR = Duration.ofSeconds(22);

  private PipelineFixture fixture;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private SteadyStream stream;

  @AfterEach
  void stop() {
    if (stream != null) {
      stream.close();
    }
    nodes.forEach(NodeProcess::close);
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aFrozenNodeLosesItsPartitionsWritesNothingStaleAndComesBack() throws Exception {
    // Given three workers sharing six partitions, the first with a dashboard, and the lake rolling every 2 s so
    // that a node always holds rows it has not committed
    fixture = new PipelineFixture(Map.of("topics.partitions", "6", "watermark.allowed.lateness", "10m",
        "lake.roll.interval", "2s"));
    fixture.createTopics();
    NodeProcess a = launchNode("a", "127.0.0.2", "ingest,aggregator,lake-writer,enricher,dashboard").awaitRunning();
    NodeProcess b = launchNode("b", "127.0.0.3", "ingest,aggregator,lake-writer,enricher"); // b and c join a
    launchNode("c", "127.0.0.4", "ingest,aggregator,lake-writer,enricher").awaitRunning();
    b.awaitRunning();
    Matcher port = DASHBOARD_PORT.matcher(a.output());
    assertTrue(port.find(), "node a prints its dashboard's address; see " + a.log());
    int dashboard = Integer.parseInt(port.group(1));
    await().atMost(Duration.ofSeconds(90)).until(() -> fixture.queryLong(
        "SELECT count(DISTINCT owner) FROM pulse_partition_progress") == 3);
    await().atMost(Duration.ofSeconds(30)).until(() -> listedNodes(dashboard).equals(Set.of("a", "b", "c")));

    // When events flow and node b is frozen (SIGSTOP) past every timeout, then continued (SIGCONT)
    stream = new SteadyStream(fixture.kafkaBootstrap(), fixture.topics.input(), "frozen", 1_500).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> stream.acknowledged() > 4_000);
    b.freeze();
    long frozenAt = System.nanoTime();

    // Then the others take its partitions over, and the dashboard drops it, while it is frozen
    long[] failoverMs = {-1};
    long[] droppedMs = {-1};
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (failoverMs[0] < 0 && fixture.queryLong("SELECT count(*) FROM pulse_partition_progress WHERE owner = 'b'")
          == 0) {
        failoverMs[0] = millisSince(frozenAt);
      }
      if (droppedMs[0] < 0 && listedNodes(dashboard).equals(Set.of("a", "c"))) {
        droppedMs[0] = millisSince(frozenAt);
      }
      return failoverMs[0] >= 0 && droppedMs[0] >= 0;
    });
    long left = FROZEN_FOR.toNanos() - (System.nanoTime() - frozenAt);
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left); // the fault lasts this long: past Hazelcast's 10 s without a heartbeat
    }
    long sentWhileFrozen = stream.acknowledged();
    b.thaw();
    long thawedAt = System.nanoTime();

    // and, woken, b is in the group again (it owns partitions once more) and back in the dashboard's node list
    // once Hazelcast has merged the two sides
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
        .until(() -> listedNodes(dashboard).equals(Set.of("a", "b", "c")));
    long mergedMs = millisSince(thawedAt);
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.queryLong(
        "SELECT count(*) FROM pulse_partition_progress WHERE owner = 'b'") > 0);
    long backInGroupMs = millisSince(thawedAt);
    await().atMost(Duration.ofSeconds(30)).until(() -> stream.acknowledged() > sentWhileFrozen + 6_000);
    stream.stop();

    // and every output holds every event exactly once: nothing b still had in hand got through its fences
    fixture.assertEachValidEventOnce(stream);
    assertEquals(stream.pageViews(), fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"),
        "every page view counted once");
    assertEquals(stream.invalid(), fixture.readAll(fixture.topics.deadLetter(), (int) stream.invalid()).size(),
        "every invalid record dead-lettered once");
    assertTrue(b.isAlive(), "the node that was frozen runs on; see " + b.log());
    String bLog = b.output();
    boolean fenced = bLog.contains("claimed by another owner") || bLog.contains("fenced")
        || bLog.contains("opened by another owner");
    System.out.printf("frozen-node: %d records; b frozen %d s: its partitions claimed by the others %d ms after the"
        + " freeze, dropped from the dashboard after %d ms; after SIGCONT back in the dashboard's node list in %d ms"
        + " and owning partitions in %d ms; b's stale writes refused by a fence: %s%n", stream.records(),
        FROZEN_FOR.toSeconds(), failoverMs[0], droppedMs[0], mergedMs, backInGroupMs, fenced ? "yes" : "none were pending");
  }

  /** The names of the nodes a dashboard's {@code /health} lists in its cluster check. */
  private static Set<String> listedNodes(int dashboardPort) {
    JsonObject health = new JsonObject(PipelineFixture.get(dashboardPort, "/health").body());
    Set<String> names = new HashSet<>();
    JsonArray checks = health.getJsonArray("checks", new JsonArray());
    for (int i = 0; i < checks.size(); i++) {
      JsonObject check = checks.getJsonObject(i);
      if ("cluster".equals(check.getString("id")) && check.getJsonObject("data") != null) {
        check.getJsonObject("data").getJsonArray("nodes", new JsonArray())
            .forEach(n -> names.add(((JsonObject) n).getString("name")));
      }
    }
    return names;
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  private NodeProcess launchNode(String name, String address, String roles) {
    NodeProcess node = NodeProcess.launch(fixture, name, Map.of("cluster.enabled", "true", "cluster.host", address,
        "cluster.members", MEMBERS, "roles", roles, "dashboard.host", "127.0.0.1"), List.of());
    nodes.add(node);
    return node;
  }
}
