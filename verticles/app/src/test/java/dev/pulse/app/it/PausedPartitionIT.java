package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import dev.pulse.common.metrics.Problems;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * A partition paused because its sinks hold every batch they may (here: the aggregator, whose checkpoints fail)
 * waits without work: ingest's Kafka consumer does not spin while it has nothing to hand over. (Kafka's consumer
 * of the KIP-848 protocol returns at once from a poll while a paused partition's data is buffered; polled in a
 * loop it burned CPU and allocated ~100 MB/s during a PostgreSQL outage, which a JVM without -Xmx answered by
 * growing its heap.)
 */
class PausedPartitionIT {

  private static final Instant T0 = Instant.parse("2026-01-15T10:00:00Z");
  private static final int BEFORE = 200;
  private static final int DURING = 3_000;
  /** What the consumer's threads may allocate while the partition waits: timers and heartbeats, no loop. */
  private static final double MAX_BYTES_PER_SECOND = 5_000_000;

  @AutoClose
  private PipelineFixture fixture;

  @Test
  void aPartitionPausedForBackpressureWaitsWithoutSpinningAndResumesExactly() throws Exception {
    // Given a node reading one partition in small polls
    fixture = new PipelineFixture(Map.of("topics.partitions", "1", "watermark.allowed.lateness", "1h",
        "ingest.max.poll.records", "100", "ingest.stall.timeout", "1s"));
    fixture.createTopics();
    long threadsBefore = Thread.getAllStackTraces().keySet().stream().mapToLong(Thread::getId).max().orElse(0);
    PulseNode node = fixture.startNode();
    send(0, BEFORE);
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(view_count), 0) FROM page_view_counts") == BEFORE);

    // When the aggregator's checkpoints fail (its results table is away) while more events arrive
    execute("ALTER TABLE page_view_counts_by_partition RENAME TO page_view_counts_away");
    send(BEFORE, DURING);
    // (stalled, and nothing more read for a second: the aggregator holds all it may)
    double[] lastRead = {-1};
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      double read = PipelineFixture.metric(node, "pulse.ingest.records", Map.of());
      boolean flat = read == lastRead[0];
      lastRead[0] = read;
      return flat && node.metrics().problems().open().stream()
          .anyMatch(p -> p.kind() == Problems.Kind.PARTITION_STALLED);
    });
    double readWhenStalled = lastRead[0];

    // Then the paused partition costs its consumer next to nothing while it waits
    long[] consumerThreads = consumerThreadIds(threadsBefore);
    assertTrue(consumerThreads.length > 0, "no Kafka consumer threads found");
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocatedBefore = Arrays.stream(threads.getThreadAllocatedBytes(consumerThreads)).sum();
    long from = System.nanoTime();
    await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
    double seconds = (System.nanoTime() - from) / 1e9;
    double bytesPerSecond = (Arrays.stream(threads.getThreadAllocatedBytes(consumerThreads)).sum() - allocatedBefore)
        / seconds;
    assertTrue(bytesPerSecond < MAX_BYTES_PER_SECOND, "the paused consumer allocated "
        + Math.round(bytesPerSecond / 1e6) + " MB/s");
    assertEquals(readWhenStalled, PipelineFixture.metric(node, "pulse.ingest.records", Map.of()),
        "records read while paused");

    // And once checkpoints succeed again, every event is counted once
    execute("ALTER TABLE page_view_counts_away RENAME TO page_view_counts_by_partition");
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(view_count), 0) FROM page_view_counts") == BEFORE + DURING);
    fixture.assertNoBlockedEventLoop();
    System.out.printf("PausedPartitionIT: the paused consumer allocated %.1f MB/s%n", bytesPerSecond / 1e6);
  }

  /**
   * The threads of the node's Kafka consumer (Vert.x's polling thread and Kafka's own network thread): those
   * started after {@code firstId}, so that threads another test left in this JVM do not count.
   */
  private static long[] consumerThreadIds(long firstId) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getId() > firstId)
        .filter(t -> t.getName().startsWith("vert.x-kafka-consumer-thread")
            || t.getName().startsWith("consumer_background_thread"))
        .mapToLong(Thread::getId).toArray();
  }

  private void execute(String sql) throws java.sql.SQLException {
    dev.pulse.common.config.PgOptions pg = fixture.pg();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
         java.sql.Statement st = c.createStatement()) {
      st.execute("SET search_path TO " + fixture.schema);
      st.execute(sql);
    }
  }

  private void send(int first, int count) {
    for (int i = first; i < first + count; i++) {
      String json = new JsonObject().put("event_id", "e-" + i).put("user_id", "u-" + (i % 50)).put("page_url", "/p")
          .put("event_type", "page_view").put("timestamp", T0.plusMillis(i).toString()).encode();
      fixture.producer().send(new org.apache.kafka.clients.producer.ProducerRecord<>(fixture.topics.input(), 0,
          null, json.getBytes(StandardCharsets.UTF_8)));
    }
    fixture.producer().flush();
  }
}
