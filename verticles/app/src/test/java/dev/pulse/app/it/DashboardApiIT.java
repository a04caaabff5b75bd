package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
  private int port;
  private String base;
  private final HttpClient http = PipelineFixture.http();

  @BeforeEach
  void start() {
    fixture = new PipelineFixture(Map.of("roles", "ingest,aggregator,dashboard", "dashboard.api.token", TOKEN,
        "dashboard.producer.max.rate", "5000", "dashboard.producer.max.runs", "1",
        "watermark.allowed.lateness", "10m"));
    PulseNode node = fixture.startNode();
    port = node.dashboardPort().orElseThrow();
    base = "http://127.0.0.1:" + port;
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

  @Test
  void aMultipartUploadIsRefusedAndLeavesNoFileBehind() throws Exception {
    // Given no upload directory in the working directory (where Vert.x's BodyHandler would create one)
    Path uploads = Path.of("file-uploads");
    deleteRecursively(uploads);
    String multipart = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n" + "x".repeat(8_000) + "\r\n--b--\r\n";
    Map<String, String> headers = Map.of("Content-Type", "multipart/form-data; boundary=b");

    // When files are posted, without and with the token
    HttpResponse<String> anonymous = send("POST", "/api/producer", multipart, null, headers);
    HttpResponse<String> withToken = send("POST", "/api/producer", multipart, TOKEN, headers);

    // Then nothing was written, and both are refused
    assertFalse(Files.exists(uploads), "an upload directory was created");
    assertError(anonymous, 401, "Authorization");
    assertError(withToken, 415, "application/json");
  }

  @Test
  void anUnauthenticatedPostIsRefusedBeforeItsBodyIsRead() {
    // A client that announces a body and never sends it gets its 401 at once: nothing waits for the body.
    RawHttp.Response r = RawHttp.exchange(port, "POST /api/producer HTTP/1.1\r\nHost: 127.0.0.1:" + port
        + "\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n", null);
    assertEquals(401, r.status(), r.body());
    assertEquals(401, new JsonObject(r.body()).getInteger("status"));
  }

  @Test
  void aPostThatIsNotJsonIsRefusedWith415() {
    // text/plain is what a cross-site form or fetch can send without a CORS preflight
    HttpResponse<String> plain = send("POST", "/api/producer", "{\"rate\":10,\"count\":10}", TOKEN,
        Map.of("Content-Type", "text/plain"));
    assertError(plain, 415, "application/json");
    assertError(send("POST", "/api/producer", "{\"rate\":10,\"count\":10}", TOKEN, Map.of()), 415, "application/json");
    HttpResponse<String> withCharset = send("POST", "/api/producer", "{\"rate\":10,\"count\":10}", TOKEN,
        Map.of("Content-Type", "application/json; charset=utf-8"));
    assertEquals(202, withCharset.statusCode(), withCharset.body());
  }

  @Test
  void aPageFromAnotherOriginCannotStartOrStopRuns() {
    Map<String, String> evil = Map.of("Content-Type", "application/json", "Origin", "http://evil.example");
    assertError(send("POST", "/api/producer", "{\"rate\":10,\"count\":10}", TOKEN, evil), 403, "origin");
    assertError(send("POST", "/api/producer", "{\"rate\":10,\"count\":10}", TOKEN,
        Map.of("Content-Type", "application/json", "Origin", "null")), 403, "origin");
    // the dashboard's own page may
    HttpResponse<String> own = send("POST", "/api/producer", "{\"rate\":10,\"count\":10}", TOKEN,
        Map.of("Content-Type", "application/json", "Origin", "http://localhost:" + port));
    assertEquals(202, own.statusCode(), own.body());
    String id = new JsonObject(own.body()).getString("id");
    assertError(send("DELETE", "/api/producer/" + id, null, TOKEN, Map.of("Origin", "http://evil.example")), 403,
        "origin");
    assertEquals(200, send("DELETE", "/api/producer/" + id, null, TOKEN, Map.of("Origin", base)).statusCode());
  }

  @Test
  void aRequestNamingAnotherHostIsRefusedAgainstDnsRebinding() {
    // A page on evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example:<port>
    for (String path : List.of("/", "/api/windows/active-users", "/api/producer/run-1")) {
      RawHttp.Response r = RawHttp.get(port, path, "evil.example:" + port);
      assertEquals(421, r.status(), path + " " + r.body());
      assertEquals("application/json", r.header("Content-Type"));
      assertTrue(new JsonObject(r.body()).getString("error").contains("evil.example"), r.body());
    }
    for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port)) {
      assertEquals(200, RawHttp.get(port, "/health/live", host).status(), host);
    }
  }

  @Test
  void everyResponseCarriesSecurityHeadersAndHtmlIsRevalidated() {
    for (String path : List.of("/", "/index.html", "/app.js", "/api/windows/active-users", "/api/nothing-here")) {
      HttpResponse<String> r = get(path);
      assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"),
          path + " CSP " + r.headers());
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
      assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""), path);
      assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(""), path);
    }
    for (String page : List.of("/", "/index.html")) {
      assertEquals("no-cache", get(page).headers().firstValue("Cache-Control").orElse(""), page);
    }
    HttpResponse<String> uplot = get("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
    assertEquals(200, uplot.statusCode());
    assertTrue(uplot.headers().firstValue("Cache-Control").orElse("").contains("max-age"), "versioned assets cache");
  }

  @Test
  void absurdParametersAreRefusedWith400AndAShortMessage() {
    try (LogCapture log = LogCapture.stackTracesOf("dev.pulse.dashboard", "io.vertx.ext.web")) {
      assertError(get("/api/windows/page-views?from=-1000000000-01-01T00:00:00Z"), 400, "from");
      assertError(get("/api/windows/page-views?to=%2B1000000000-12-31T23:59:59Z"), 400, "to");
      assertError(get("/api/windows/page-views?from=9223372036854775807"), 400, "from");
      assertError(get("/api/windows/page-views?url=%00"), 400, "url");
      assertError(get("/api/windows/page-views?url=" + "x".repeat(5_000)), 400, "url");
      assertError(post("/api/producer", "{\"duration\":\"999999999999999999d\"}", TOKEN), 400, "duration");
      assertError(post("/api/producer", "{\"count\":1.5}", TOKEN), 400, "count");
      assertError(get("/ws"), 400, "WebSocket");
      assertEquals(List.of(), log.stackTraces());
    }
  }

  @Test
  void noInputMakesTheApiAnswer5xx() {
    try (LogCapture log = LogCapture.stackTracesOf("dev.pulse.dashboard", "io.vertx.ext.web")) {
      List<String> times = List.of("", " ", "-1", "0", "1", "99999999999999999999", "9223372036854775807",
          "-9223372036854775808", "-1000000000-01-01T00:00:00Z", "+1000000000-12-31T23:59:59.999999999Z",
          "-999999999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "2026-01-15T10:00:00",
          "2026-01-15T10:00:00+01:00", "NaN", "Infinity", "1e10", "null", "' OR 1=1 --", "\u0000", "\uD800", "\uD834\uDD1E",
          "2026-01-15T10:00:00Z\n");
      for (String path : List.of("/api/windows/page-views", "/api/windows/active-users")) {
        for (String param : List.of("from", "to")) {
          for (String t : times) {
            assertNo5xx(get(path + "?" + param + "=" + enc(t)), path + " " + param + "=" + t);
          }
        }
      }
      for (String url : List.of("\u0000", "a\u0000b", "x".repeat(5_000), "\uD800", "%", "/\u00e9", "' OR 1=1 --",
          "\n", "\u007f")) {
        assertNo5xx(get("/api/windows/page-views?url=" + enc(url)), "url=" + url);
      }
      // query strings no URI library would build, sent byte for byte
      for (String query : List.of("url=%00", "url=%", "url=%zz", "from=%E0%A4%A", "from=%ff%fe", "url=%C0%80",
          "duration=999999999999999999d", "from&to", "=&=", "url=a&url=b", "from=1&from=2", "url=%F4%90%80%80")) {
        for (String path : List.of("/api/windows/page-views", "/api/windows/active-users")) {
          RawHttp.Response r = RawHttp.get(port, path + "?" + query, "127.0.0.1:" + port);
          assertTrue(r.status() < 500, path + "?" + query + " -> " + r);
        }
      }
      List<String> values = List.of("NaN", "Infinity", "-Infinity", "-1", "0", "0.5", "1e308", "-1e308", "1e400",
          "-1e400", "123456789012345678901234567890", "9223372036854775808", "-9223372036854775809", "\"1\"", "\"\"",
          "\"999999999999999999d\"", "\"99999999999999999999s\"", "\"9999999999999999m\"", "\"-5s\"", "\"PT-1S\"",
          "\"P999999999999999999D\"", "\"PT9999999999999999999H\"", "true", "null", "[]", "{}", "\"\\u0000\"");
      for (String field : List.of("rate", "count", "duration", "users", "pages", "lateShare", "invalidShare", "seed",
          "unknown")) {
        for (String v : values) {
          String body = "{\"count\":1,\"" + field + "\":" + v + "}";
          assertNo5xx(post("/api/producer", body, TOKEN), body);
        }
      }
      for (String body : List.of("", "null", "1", "\"s\"", "[", "{", "{\"rate\":", "[".repeat(3_000),
          "{\"a\":".repeat(1_500), "\uFEFF{}", "\u0000", "{\"rate\":1,\"rate\":2}")) {
        assertNo5xx(post("/api/producer", body, TOKEN), body.length() > 40 ? body.substring(0, 40) : body);
      }
      assertNo5xx(send("POST", "/api/producer", null, TOKEN, Map.of("Content-Type", "application/json")), "no body");
      for (String method : List.of("PUT", "PATCH", "OPTIONS", "DELETE")) {
        assertNo5xx(send(method, "/api/producer", "{}", TOKEN), method);
      }
      // /health answers 503 when something is down, as it may be for a moment after start: wait until it is not
      await().atMost(Duration.ofSeconds(10)).until(() -> RawHttp.get(port, "/health", "127.0.0.1:" + port).status()
          == 200);
      for (String path : List.of("/ws", "/api/producer/%00", "/api/producer/" + "9".repeat(300), "/health?x=%zz",
          "/metrics?%", "/%2e%2e/%2e%2e/etc/passwd", "/webjars/%2e%2e/%2e%2e/", "/api/windows/page-views/x",
          "/nothing.html", "/%00", "/index.html%00")) {
        RawHttp.Response r = RawHttp.get(port, path, "127.0.0.1:" + port);
        assertTrue(r.status() < 500, path + " -> " + r);
      }
      assertEquals(List.of(), log.stackTraces());
    }
  }

  @Test
  void finishedRunsAreForgottenBeyondTheLastHundred() {
    // Given 102 runs started one after the other, each finished before the next (one run at a time)
    for (int i = 1; i <= 102; i++) {
      HttpResponse<String> started = post("/api/producer", "{\"rate\":5000,\"count\":1}", TOKEN);
      assertEquals(202, started.statusCode(), started.body());
      String id = new JsonObject(started.body()).getString("id");
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> !"running".equals(
          new JsonObject(get("/api/producer/" + id).body()).getString("state")));
    }
    // Then the two oldest are gone and the last hundred are kept
    assertError(get("/api/producer/run-1"), 404, "run-1");
    assertError(get("/api/producer/run-2"), 404, "run-2");
    assertEquals("finished", new JsonObject(get("/api/producer/run-3").body()).getString("state"));
    assertEquals("finished", new JsonObject(get("/api/producer/run-102").body()).getString("state"));
  }

  private HttpResponse<String> get(String path) {
    return send("GET", path, null, null);
  }

  private HttpResponse<String> post(String path, String body, String token) {
    return send("POST", path, body, token);
  }

  private HttpResponse<String> send(String method, String path, String body, String token) {
    return send(method, path, body, token, Map.of("Content-Type", "application/json"));
  }

  private HttpResponse<String> send(String method, String path, String body, String token,
      Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
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

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static void assertNo5xx(HttpResponse<String> r, String input) {
    assertTrue(r.statusCode() < 500, input + " -> " + r.statusCode() + " " + r.body());
    if (r.statusCode() >= 400) {
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), input);
      String error = new JsonObject(r.body()).getString("error");
      assertTrue(error.length() < 300 && !error.contains("Exception") && !error.contains("PostgreSQL"),
          input + " -> " + error);
    }
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static void assertError(HttpResponse<String> r, int status, String mentions) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    JsonObject error = new JsonObject(r.body());
    assertEquals(status, error.getInteger("status"));
    assertTrue(error.getString("error").contains(mentions), error.getString("error"));
  }
}
