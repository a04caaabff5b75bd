package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dashboard's REST API: each endpoint's success and error paths, with an API token configured. */
class DashboardApiIT {

  private static final String TOKEN = "test-token-0123456789";

  private PipelineFixture fixture;
  private String base;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    fixture = new PipelineFixture(Map.of("roles", "ingest,aggregator,dashboard", "dashboard.api.token", TOKEN,
        "dashboard.producer.max.rate", "5000", "dashboard.producer.max.runs", "1",
        "watermark.allowed.lateness", "10m"));
    PulseNode node = fixture.startNode();
    base = "http://127.0.0.1:" + node.dashboardPort().orElseThrow();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void aProducerRunIsStartedWatchedAndStopped() {
    HttpResponse<String> started = post("/api/producer", "{\"rate\":500,\"count\":1000000,\"users\":50}", TOKEN);
    assertEquals(202, started.statusCode(), started.body());
    JsonObject run = new JsonObject(started.body());
    String id = run.getString("id");
    assertEquals("/api/producer/" + id, started.headers().firstValue("Location").orElseThrow());
    assertEquals("running", run.getString("state"));

    await().atMost(Duration.ofSeconds(20)).until(() -> new JsonObject(get("/api/producer/" + id).body())
        .getLong("acknowledged") > 0);

    HttpResponse<String> stopped = send("DELETE", "/api/producer/" + id, null, TOKEN);
    assertEquals(200, stopped.statusCode());
    assertEquals("stopped", new JsonObject(stopped.body()).getString("state"));
    assertEquals("stopped", new JsonObject(get("/api/producer/" + id).body()).getString("state"));
  }

  @Test
  void badRequestsGetJsonErrorsWithFittingStatus() {
    assertError(post("/api/producer", "{not json", TOKEN), 400, "JSON");
    assertError(post("/api/producer", "[1,2]", TOKEN), 400, "JSON object");
    assertError(post("/api/producer", "{\"rate\":0}", TOKEN), 400, "rate");
    assertError(post("/api/producer", "{\"rate\":50000}", TOKEN), 400, "rate must be between");
    assertError(post("/api/producer", "{\"rate\":\"fast\"}", TOKEN), 400, "rate must be a number");
    assertError(post("/api/producer", "{\"lateShare\":0.8,\"invalidShare\":0.5}", TOKEN), 400, "shares");
    assertError(post("/api/producer", "{\"duration\":\"forever\"}", TOKEN), 400, "duration");
    assertError(post("/api/producer", "{\"rate\":10,\"pad\":\"" + "x".repeat(20_000) + "\"}", TOKEN), 413, "larger");
    assertError(get("/api/producer/run-404"), 404, "run-404");
    assertError(send("DELETE", "/api/producer/run-404", null, TOKEN), 404, "run-404");
    assertError(get("/api/nothing-here"), 404, "no such endpoint");
  }

  @Test
  void mutatingEndpointsNeedTheTokenAndReadingOnesDoNot() {
    assertError(post("/api/producer", "{\"rate\":10,\"count\":10}", null), 401, "Authorization");
    assertError(post("/api/producer", "{\"rate\":10,\"count\":10}", "wrong-token-0123456789"), 401, "wrong");
    HttpResponse<String> ok = post("/api/producer", "{\"rate\":10,\"count\":10}", TOKEN);
    assertEquals(202, ok.statusCode(), ok.body());
    String id = new JsonObject(ok.body()).getString("id");
    assertEquals(200, get("/api/producer/" + id).statusCode());
    assertError(send("DELETE", "/api/producer/" + id, null, null), 401, "Authorization");
  }

  @Test
  void aSecondConcurrentRunBeyondTheLimitIsRefusedWith429() {
    assertEquals(202, post("/api/producer", "{\"rate\":100,\"count\":1000000}", TOKEN).statusCode());
    assertError(post("/api/producer", "{\"rate\":100,\"count\":10}", TOKEN), 429, "max.runs");
  }

  @Test
  void windowsAreReadBackFromPostgresql() {
    // Given three page views of /a and one of /b in the 10:00 window, and the tables written
    fixture.createTopics();
    String[][] events = {{"/a", "u-1"}, {"/a", "u-2"}, {"/b", "u-1"}, {"/a", "u-3"}};
    for (String[] e : events) {
      String json = new JsonObject().put("user_id", e[1]).put("page_url", e[0]).put("event_type", "page_view")
          .put("timestamp", "2026-01-15T10:00:30Z").encode();
      fixture.send(new ProducerRecord<>(fixture.topics.input(), 0, null, json.getBytes(StandardCharsets.UTF_8)));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(view_count), 0) FROM page_view_counts") == 4);

    // Then the REST API reads them, by range and by URL
    JsonObject all = json(get("/api/windows/page-views?from=2026-01-15T10:00:00Z&to=2026-01-15T10:05:00Z"), 200);
    assertEquals(new JsonArray()
        .add(new JsonObject().put("windowStart", "2026-01-15T10:00:00Z").put("windowEnd", "2026-01-15T10:01:00Z")
            .put("pageUrl", "/a").put("views", 3))
        .add(new JsonObject().put("windowStart", "2026-01-15T10:00:00Z").put("windowEnd", "2026-01-15T10:01:00Z")
            .put("pageUrl", "/b").put("views", 1)), all.getJsonArray("rows"));
    JsonObject onlyB = json(get("/api/windows/page-views?from=1768471200000&to=1768471500000&url=/b"), 200);
    assertEquals(1, onlyB.getJsonArray("rows").size());
    JsonObject users = json(get("/api/windows/active-users?from=2026-01-15T09:56:00Z&to=2026-01-15T09:57:00Z"), 200);
    assertEquals(3L, users.getJsonArray("rows").getJsonObject(0).getLong("users"));

    assertError(get("/api/windows/page-views?from=yesterday"), 400, "yesterday");
    assertError(get("/api/windows/page-views?from=2026-01-15T10:05:00Z&to=2026-01-15T10:00:00Z"), 400, "before");
    assertError(get("/api/windows/active-users?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z"), 400, "days");
  }

  @Test
  void healthAndMetricsAnswer() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonObject health = json(get("/health"), 200);
      assertEquals("UP", health.getString("outcome"));
      assertEquals(List.of("cluster", "kafka", "pipeline", "postgresql"), health.getJsonArray("checks").stream()
          .map(c -> ((JsonObject) c).getString("id")).sorted().toList());
    });
    assertEquals("UP", json(get("/health/live"), 200).getString("status"));
    HttpResponse<String> metrics = get("/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("pulse_ingest_records_total"), "pipeline counters");
    assertTrue(metrics.body().contains("vertx_http_server_requests_total"), "Vert.x metrics");
  }

  private HttpResponse<String> get(String path) {
    return send("GET", path, null, null);
  }

  private HttpResponse<String> post(String path, String body, String token) {
    return send("POST", path, body, token);
  }

  private HttpResponse<String> send(String method, String path, String body, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path, e);
    }
  }

  private static JsonObject json(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private static void assertError(HttpResponse<String> r, int status, String mentions) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    JsonObject error = new JsonObject(r.body());
    assertEquals(status, error.getInteger("status"));
    assertTrue(error.getString("error").contains(mentions), error.getString("error"));
  }
}
