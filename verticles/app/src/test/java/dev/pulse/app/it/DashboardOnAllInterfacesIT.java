package dev.pulse.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A dashboard bound to every interface: reachable from other hosts, so runs need the API token. */
class DashboardOnAllInterfacesIT {

  private static final String TOKEN = "test-token-0123456789";

  private final HttpClient http = PipelineFixture.http();
  private PipelineFixture fixture;
  private PulseNode node;
  private int port;

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void withoutATokenReadingWorksAndRunsAreRefused() {
    start(Map.of("roles", "dashboard", "dashboard.host", "0.0.0.0"));

    assertEquals("http://0.0.0.0:" + port + "/", node.dashboardUrl().orElseThrow());
    assertEquals(200, send("GET", "/health/live", null, null).statusCode());
    assertEquals(404, send("GET", "/api/producer/run-1", null, null).statusCode());
    for (HttpResponse<String> refused : new HttpResponse[] {
        send("POST", "/api/producer", "{\"rate\":10,\"count\":10}", null),
        send("DELETE", "/api/producer/run-1", null, null)}) {
      assertEquals(403, refused.statusCode(), refused.body());
      JsonObject error = new JsonObject(refused.body());
      assertEquals(403, error.getInteger("status"));
      assertTrue(error.getString("error").contains(
          "set dashboard.api.token (PULSE_API_TOKEN) to use the producer API on a non-loopback address"),
          error.getString("error"));
    }
  }

  @Test
  void withATokenRunsCanBeStarted() {
    start(Map.of("roles", "ingest,aggregator,dashboard", "dashboard.host", "0.0.0.0", "dashboard.api.token", TOKEN));

    HttpResponse<String> started = send("POST", "/api/producer", "{\"rate\":10,\"count\":10}", TOKEN);
    assertEquals(202, started.statusCode(), started.body());
  }

  private void start(Map<String, String> settings) {
    fixture = new PipelineFixture(settings);
    node = fixture.startNode();
    port = node.dashboardPort().orElseThrow();
  }

  private HttpResponse<String> send(String method, String path, String body, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path, e);
    }
  }
}
