package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** 20,000 distinct users in one minute, keyed to partitions by user id: every window's estimate is within 2 %. */
class ActiveUsersAccuracyIT {

  private static final Instant T0 = Instant.parse("2026-01-15T10:00:00Z");
  private static final int USERS = 20_000;

  @AutoClose
  private PipelineFixture fixture;

  @Test
  void twentyThousandUsersAreEstimatedWithinTwoPercentInEveryWindowThatCoversThem() {
    // Given 20,000 users, each active once or twice within the minute starting at 10:00
    fixture = new PipelineFixture(Map.of("watermark.allowed.lateness", "2m"));
    fixture.createTopics();
    SplittableRandom random = new SplittableRandom(1);
    int sent = 0;
    for (int u = 0; u < USERS; u++) {
      int times = 1 + random.nextInt(2);
      for (int k = 0; k < times; k++) {
        String user = "user-" + u;
        String ts = T0.plusMillis(random.nextLong(60_000)).toString();
        byte[] value = ("{\"user_id\":\"" + user + "\",\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":\""
            + ts + "\"}").getBytes(StandardCharsets.UTF_8);
        fixture.producer().send(new ProducerRecord<>(fixture.topics.input(), user.getBytes(StandardCharsets.UTF_8),
            value));
        sent++;
      }
    }
    fixture.producer().flush();
    long total = sent;

    // When a node has read them all
    fixture.startNode();
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertEquals(total,
        fixture.queryLong("SELECT sum(next_offset) FROM pulse_partition_progress")));

    // Then the five windows that contain the minute each estimate 20,000 within 2 %
    List<Map<String, Object>> rows = fixture.query("SELECT active_users FROM active_users"
        + " WHERE window_start BETWEEN '2026-01-15T09:56:00Z' AND '2026-01-15T10:00:00Z' ORDER BY window_start");
    assertEquals(5, rows.size());
    for (Map<String, Object> row : rows) {
      long estimate = ((Number) row.get("active_users")).longValue();
      assertTrue(Math.abs(estimate - USERS) <= USERS * 0.02, "estimate " + estimate + " for " + USERS + " users");
    }
    assertEquals(0, fixture.queryLong("SELECT sum(late_events) FROM pulse_partition_progress"));
    fixture.assertNoBlockedEventLoop();
  }
}
