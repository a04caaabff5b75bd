package dev.pulse.app.it;

import dev.pulse.common.Blocking;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dashboard's WebSocket: Origin check, snapshot first, and a browser that never reads stalls nothing. */
class DashboardWebSocketIT {

  private PipelineFixture fixture;
  private Vertx clientVertx;
  private WebSocketClient client;
  private int port;

  @BeforeEach
  void start() {
    fixture = new PipelineFixture(Map.of("roles", "ingest,aggregator,dashboard",
        "dashboard.browser.buffer", "8", "dashboard.socket.send.buffer", "16KB", "topics.partitions", "3"));
    PulseNode node = fixture.startNode();
    port = node.dashboardPort().orElseThrow();
    clientVertx = Vertx.vertx();
    client = clientVertx.createWebSocketClient();
  }

  @AfterEach
  void stop() {
    // The server goes first: it drops the stuck connection, which a client close could wait on for long.
    fixture.close();
    Blocking.await(clientVertx.close(), Duration.ofSeconds(30));
  }

  @Test
  void aPageFromAnotherOriginCannotOpenTheSocket() {
    Throwable refused = null;
    try {
      connect("http://evil.example:666");
    } catch (RuntimeException e) {
      refused = e;
    }
    assertTrue(refused instanceof UpgradeRejectedException, "refused: " + refused);
    assertEquals(403, ((UpgradeRejectedException) refused).getStatus());
  }

  @Test
  void aPageOnARebindedHostNameCannotOpenTheSocket() {
    // DNS rebinding: evil.example now resolves to 127.0.0.1, so its page is same-origin with its own Host header
    RawHttp.Response r = RawHttp.exchange(port, "GET /ws HTTP/1.1\r\nHost: evil.example:" + port
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Version: 13\r\nOrigin: http://evil.example:" + port + "\r\n\r\n", null);
    assertEquals(421, r.status(), r.toString());
    assertTrue(new JsonObject(r.body()).getString("error").contains("evil.example"), r.body());
  }

  @Test
  void anOversizedFragmentedMessageClosesTheSocketWith1009() {
    try (RawWebSocket ws = new RawWebSocket(port)) {
      // a text message that never ends: one frame, then continuation frames, 300 KB in all
      byte[] kilobyte = "x".repeat(1_000).getBytes(StandardCharsets.US_ASCII);
      boolean open = ws.send(RawWebSocket.TEXT, false, kilobyte);
      for (int i = 0; i < 300 && open; i++) {
        open = ws.send(RawWebSocket.CONTINUATION, false, kilobyte);
      }
      assertEquals(1009, ws.awaitCloseCode());
    }
  }

  @Test
  void anOversizedSingleFrameClosesTheSocketWith1009() {
    try (RawWebSocket ws = new RawWebSocket(port)) {
      ws.send(RawWebSocket.TEXT, true, "x".repeat(200_000).getBytes(StandardCharsets.US_ASCII));
      assertEquals(1009, ws.awaitCloseCode());
    }
  }

  @Test
  void invalidUtf8InATextFrameClosesTheSocketWith1007() {
    try (RawWebSocket ws = new RawWebSocket(port)) {
      // "é" split across two frames is fine; 0xC3 0x28 is not UTF-8
      ws.send(RawWebSocket.TEXT, false, new byte[] {(byte) 0xC3});
      ws.send(RawWebSocket.CONTINUATION, true, new byte[] {(byte) 0xA9});
      ws.send(RawWebSocket.TEXT, true, new byte[] {(byte) 0xC3, 0x28});
      assertEquals(1007, ws.awaitCloseCode());
    }
  }

  @Test
  void aBrowserGetsTheSnapshotFirstThenLiveStatus() {
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    // the handler is in place before the upgrade, so the very first message cannot slip past it
    ClientWebSocket ws = client.webSocket();
    ws.textMessageHandler(t -> received.add(new JsonObject(t)));
    Blocking.await(ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws")
        .addHeader("Origin", "http://127.0.0.1:" + port)), Duration.ofSeconds(10));
    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);
    assertEquals("snapshot", received.get(0).getString("type"));
    assertTrue(received.stream().skip(1).anyMatch(m -> "status".equals(m.getString("type"))));
  }

  @Test
  void aBrowserThatNeverReadsStallsNeitherThePipelineNorOtherBrowsers() throws Exception {
    // Given one browser that opens the socket and then never reads (a small receive window, so the server's
    // buffers fill soon), and one that reads
    try (Socket stuck = new Socket()) {
      stuck.setReceiveBufferSize(4096);
      stuck.connect(new InetSocketAddress("127.0.0.1", port));
      stuck.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + "Origin: http://127.0.0.1:" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      stuck.getOutputStream().flush();
      neverReading(stuck);
    }
  }

  private void neverReading(Socket stuck) throws Exception {
    AtomicInteger statusMessages = new AtomicInteger();
    AtomicInteger pageUpdates = new AtomicInteger();
    WebSocket reading = connect("http://127.0.0.1:" + port);
    java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
    reading.textMessageHandler(t -> {
      bytes.addAndGet(t.length());
      String type = new JsonObject(t).getString("type");
      if ("status".equals(type)) {
        statusMessages.incrementAndGet();
      } else if ("pageViews".equals(type)) {
        pageUpdates.incrementAndGet();
      }
    });

    // When heavy synthetic traffic (nearly every event a new URL, so large updates) runs for a while
    long events = 100_000;
    HttpResponse<String> started = PipelineFixture.http().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/api/producer")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("rate", 20_000).put("count", events)
            .put("pages", 100_000).put("users", 5_000).encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(202, started.statusCode(), started.body());

    // Then the pipeline processes everything and the reading browser keeps getting updates
    await().atMost(Duration.ofSeconds(90)).until(() -> fixture.queryLong(
        "SELECT coalesce(sum(next_offset), 0) FROM pulse_partition_progress") >= events);
    int statusSoFar = statusMessages.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> statusMessages.get() >= statusSoFar + 3);
    assertTrue(pageUpdates.get() > 0, "live page updates reached the reading browser");
    // ... while the stuck one's messages were dropped, oldest first, instead of piling up
    HttpResponse<String> metrics = PipelineFixture.http().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    double dropped = metrics.body().lines().filter(l -> l.startsWith("pulse_dashboard_messages_dropped_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertTrue(dropped > 0, "messages for the stuck browser were dropped; bytes pushed " + bytes.get());
    fixture.assertNoBlockedEventLoop();
  }

  private WebSocket connect(String origin) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws")
        .addHeader("Origin", origin);
    return Blocking.await(client.connect(options), Duration.ofSeconds(10));
  }
}
