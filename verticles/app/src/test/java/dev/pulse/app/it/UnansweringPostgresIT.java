package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import dev.pulse.common.config.PgOptions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stops answering without refusing anything (a network partition, a hung server): /health says so
 * with 503 and the reason, as for any dependency that is down, instead of failing its own check (500).
 */
class UnansweringPostgresIT {

  private StallingProxy proxy;
  private PipelineFixture fixture;

  @AfterEach
  void stop() {
    try {
      if (proxy != null) {
        proxy.release();
      }
      if (fixture != null) {
        fixture.close();
      }
    } finally {
      if (proxy != null) {
        proxy.close();
      }
    }
  }

  @Test
  void aPostgresqlThatStopsAnsweringIsReportedDownAndUpAgain() {
    // Given a node that reaches PostgreSQL through a proxy
    PgOptions shared = SharedInfrastructure.get().pg;
    proxy = new StallingProxy(shared.port());
    fixture = new PipelineFixture(Map.of("roles", "dashboard"), null,
        shared.withServer("127.0.0.1", proxy.port(), shared.database(), shared.user(), shared.password()));
    PulseNode node = fixture.startNode();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(200, fixture.health(node).status()));

    // When PostgreSQL stops answering
    proxy.stall();

    // Then /health answers 503 naming it and why
    PipelineFixture.HttpAnswer health = fixture.health(node);
    assertEquals(503, health.status(), health.body());
    assertTrue(health.body().contains("{\"id\":\"postgresql\",\"status\":\"DOWN\",\"data\":{\"error\":\"no answer "
        + "within 3 s\"}}"), health.body());

    // And once it answers again, /health is 200 again
    proxy.release();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(200, fixture.health(node).status()));
    fixture.assertNoBlockedEventLoop();
  }
}
