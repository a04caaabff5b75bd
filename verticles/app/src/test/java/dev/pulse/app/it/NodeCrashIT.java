package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes as separate JVMs share the partitions; one is killed with SIGKILL mid-stream and started again.
 * Every event must still be in the lake once, in the enriched stream once, and counted once in PostgreSQL.
 */
class NodeCrashIT {

  private static final int EVENTS = 12_000;
  private static final int INVALID_EVERY = 100;

  private PipelineFixture fixture;
  private final List<Process> nodes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : nodes) {
      p.destroy();
    }
    for (Process p : nodes) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aNodeKilledMidStreamAndStartedAgainLosesAndDoublesNothing() throws Exception {
    // Given two nodes (separate JVMs) sharing four partitions
    fixture = new PipelineFixture(Map.of("topics.partitions", "4", "watermark.allowed.lateness", "10m",
        "lake.roll.interval", "300ms"));
    fixture.createTopics();
    startNode("a");
    Process b = startNode("b");
    await().atMost(Duration.ofSeconds(90)).until(() -> fixture.queryLong(
        "SELECT count(DISTINCT owner) FROM pulse_partition_progress") == 2);

    // When events flow in, node b is killed with SIGKILL part-way, and started again a little later
    int pageViews = 0;
    Set<String> ids = new HashSet<>();
    long start = System.nanoTime();
    boolean killed = false;
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
      if (!killed && i == EVENTS / 3) {
        b.destroyForcibly();
        b.waitFor(30, TimeUnit.SECONDS);
        killed = true;
      }
      if (!restarted && i == 2 * EVENTS / 3) {
        startNode("b-again");
        restarted = true;
      }
    }
    fixture.producer().flush();

    // Then, once everything is read, each output holds every event exactly once
    int invalid = EVENTS / INVALID_EVERY;
    await().atMost(Duration.ofSeconds(120)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(next_offset), 0) FROM pulse_partition_progress") == EVENTS + invalid);
    await().atMost(Duration.ofSeconds(60)).until(() -> lakeCount("count(*)") == EVENTS);
    assertEquals(EVENTS, lakeCount("count(DISTINCT event_id)"), "no event twice in the lake");
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

  private long lakeCount(String expression) {
    List<Map<String, Object>> rows = fixture.duckdb("SELECT " + expression + " AS n FROM LAKE");
    return rows.isEmpty() ? 0 : ((Number) rows.get(0).get("n")).longValue();
  }

  private Process startNode(String name) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java,
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.pulse.app.Main", "run",
        "--set=node.name=" + name));
    command.addAll(fixture.settingsAsArguments());
    Path log = Path.of("target", "crash-node-" + name + ".log");
    Files.createDirectories(log.getParent());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    nodes.add(p);
    await().atMost(Duration.ofSeconds(90)).until(() -> !p.isAlive()
        || Files.readString(log).contains("Pulse is running"));
    assertEquals(true, p.isAlive(), "node " + name + " failed to start, see " + new File(log.toString())
        .getAbsolutePath());
    return p;
  }
}
