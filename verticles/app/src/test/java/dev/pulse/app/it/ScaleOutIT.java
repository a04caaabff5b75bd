package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.CrashPoints;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Scale out from one node to three and back in to one (SIGTERM), each a separate JVM on its own loopback address
 * with the Hazelcast cluster on, while events flow. The
 * lake rolls only every 60 s and the first node's lake flushes slowly when it gives a partition up (a pause point
 * of 2 s stands for a slow disk), so a hand-over that let the new owner start before the old one had flushed
 * would make it redo every event since the last roll. With the hand-over, what the nodes read adds up to the
 * input: nothing is read twice.
 */
class ScaleOutIT {

  private static final int RATE_PER_S = 1_500;
  private static final int INVALID_EVERY = 100;
  private static final Pattern HANDED_TO_SINKS =
      Pattern.compile("ingest stopped: (\\d+) records handed to the sinks in this run");
  private static final Pattern HANDED_OVER = Pattern.compile("handed over \\[[^]]*] in (\\d+) ms");

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
  void scalingOutAndInUnderLoadRedoesNoWorkAndLosesNothing() throws Exception {
    // Given one node owning six partitions, its lake rolling every minute
    fixture = new PipelineFixture(Map.of("topics.partitions", "6", "watermark.allowed.lateness", "10m",
        "lake.roll.interval", "60s"));
    fixture.createTopics();
    NodeProcess a = startNode("a", "127.0.0.2",
        List.of("-D" + CrashPoints.PAUSE_PROPERTY + "=" + CrashPoints.LAKE_CLOSE + ":2000"));

    // When events flow steadily while two more nodes join, and then leave with SIGTERM
    Producer producer = new Producer();
    Thread sending = new Thread(producer, "scale-out-producer");
    sending.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> producer.sent.get() > 3_000);
    long joining = System.nanoTime();
    NodeProcess b = launchNode("b", "127.0.0.3");
    NodeProcess c = launchNode("c", "127.0.0.4");
    b.awaitRunning();
    c.awaitRunning();
    long started = (System.nanoTime() - joining) / 1_000_000;
    await().atMost(Duration.ofSeconds(90)).until(() -> fixture.queryLong(
        "SELECT count(DISTINCT owner) FROM pulse_partition_progress") == 3);
    long threeOwners = (System.nanoTime() - joining) / 1_000_000;
    int sentBeforeScaleIn = producer.sent.get();
    await().atMost(Duration.ofSeconds(30)).until(() -> producer.sent.get() > sentBeforeScaleIn + 3_000);
    long stopping = System.nanoTime();
    b.stop();
    long stopB = (System.nanoTime() - stopping) / 1_000_000;
    stopping = System.nanoTime();
    c.stop();
    long stopC = (System.nanoTime() - stopping) / 1_000_000;
    int sentAfterScaleIn = producer.sent.get();
    await().atMost(Duration.ofSeconds(30)).until(() -> producer.sent.get() > sentAfterScaleIn + 3_000);
    producer.done.set(true);
    sending.join(TimeUnit.SECONDS.toMillis(30));
    fixture.producer().flush();

    // Then node a alone finishes, and every output holds every event once
    int events = producer.sent.get();
    int invalid = producer.invalid.get();
    await().atMost(Duration.ofSeconds(120)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(next_offset), 0) FROM pulse_partition_progress") == events + invalid);
    a.stop(); // its lake rolls and every node's count of records read is in its log
    assertEquals(events, fixture.lakeCount("count(*)"), "every event in the lake");
    assertEquals(events, fixture.lakeCount("count(DISTINCT event_id)"), "no event twice in the lake");
    assertEquals(producer.pageViews.get(), fixture.queryLong("SELECT sum(view_count) FROM page_view_counts"),
        "every page view counted once");
    List<JsonObject> enriched = fixture.readEnriched(events);
    assertEquals(events, enriched.size(), "no event twice in the enriched stream");
    Set<String> enrichedIds = new HashSet<>();
    enriched.forEach(e -> enrichedIds.add(e.getString("event_id")));
    assertEquals(producer.ids, enrichedIds);
    assertEquals(invalid, fixture.readAll(fixture.topics.deadLetter(), invalid).size(),
        "every invalid record dead-lettered once");

    // and the nodes processed, together, the input once: the partitions moved where their sinks had stopped
    long read = 0;
    List<Long> handOvers = new ArrayList<>();
    for (NodeProcess n : nodes) {
      Matcher m = HANDED_TO_SINKS.matcher(n.output());
      assertTrue(m.find(), "node " + n.name() + " says how many records it handed to its sinks; see " + n.log());
      read += Long.parseLong(m.group(1));
      Matcher h = HANDED_OVER.matcher(n.output());
      while (h.find()) {
        handOvers.add(Long.parseLong(h.group(1)));
      }
    }
    long redone = read - (events + invalid);
    System.out.printf("scale-out: %d events + %d invalid; %d handed to sinks in all, %d redone; b and c up after %d ms,"
        + " three owners after %d ms; hand-overs took %s ms; SIGTERM to exit: %d ms and %d ms%n", events, invalid,
        read, redone, started, threeOwners, handOvers, stopB, stopC);
    assertTrue(redone >= 0, "every record processed at least once");
    // Without the hand-over the new owners redid everything since the lake's last roll (here: since the start,
    // about 15,000 records); with it, nothing.
    assertEquals(0, redone, "records processed twice over " + handOvers.size() + " hand-overs");
    assertTrue(handOvers.size() >= 2, "partitions were handed over when nodes joined and left: " + handOvers);
  }


  private NodeProcess startNode(String name, String address, List<String> jvmOptions) {
    NodeProcess node = NodeProcess.start(fixture, name, clustered(address), jvmOptions);
    nodes.add(node);
    return node;
  }

  /** Two nodes join side by side, as an autoscaler adds them. */
  private NodeProcess launchNode(String name, String address) {
    NodeProcess node = NodeProcess.launch(fixture, name, clustered(address), List.of());
    nodes.add(node);
    return node;
  }

  private static Map<String, String> clustered(String address) {
    return Map.of("cluster.enabled", "true", "cluster.host", address, "cluster.members",
        "127.0.0.2,127.0.0.3,127.0.0.4");
  }

  /** Sends valid events (and some invalid records) at a steady rate until told to stop. */
  private final class Producer implements Runnable {
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger invalid = new AtomicInteger();
    final AtomicInteger pageViews = new AtomicInteger();
    final Set<String> ids = java.util.Collections.synchronizedSet(new HashSet<>());
    final AtomicBoolean done = new AtomicBoolean();

    @Override
    public void run() {
      long start = System.nanoTime();
      try {
        for (int i = 0; !done.get(); i++) {
          boolean pageView = i % 3 != 0;
          String id = "scale-" + i;
          String user = "u-" + (i % 701);
          String json = new JsonObject().put("event_id", id).put("user_id", user).put("page_url", "/p/" + (i % 13))
              .put("event_type", pageView ? "page_view" : "click").put("timestamp", Instant.now().toString())
              .encode();
          fixture.producer().send(new ProducerRecord<>(fixture.topics.input(),
              user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
          ids.add(id);
          pageViews.addAndGet(pageView ? 1 : 0);
          if (i % INVALID_EVERY == 0) {
            fixture.producer().send(new ProducerRecord<>(fixture.topics.input(),
                user.getBytes(StandardCharsets.UTF_8), ("{broken " + i).getBytes(StandardCharsets.UTF_8)));
            invalid.incrementAndGet();
          }
          sent.incrementAndGet();
          if (i % 100 == 0) {
            long wait = start + TimeUnit.MILLISECONDS.toNanos(i * 1000L / RATE_PER_S) - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait); // pacing the load, not waiting for a result
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
