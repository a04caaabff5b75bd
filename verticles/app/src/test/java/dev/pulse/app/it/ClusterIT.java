package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.Blocking;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebDriver;

/**
 * Three workers and one dashboard-only node, each a separate JVM on its own loopback address (127.0.0.2 to
 * 127.0.0.5, as containers have their own addresses), with the Hazelcast cluster on and the members listed. The
 * dashboard node runs no aggregator: every window update it shows crossed the cluster from the worker that owns
 * the partition, and its node list is built from the workers' heartbeats.
 */
class ClusterIT {

  private static final int PARTITIONS = 6;
  private static final List<String> WORKERS = List.of("127.0.0.2", "127.0.0.3", "127.0.0.4");
  private static final String DASHBOARD = "127.0.0.5";
  private static final Pattern DASHBOARD_URL = Pattern.compile("Dashboard +http://([0-9.]+):(\\d+)/");

  private PipelineFixture fixture;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private Vertx client;
  private WebSocketClient webSockets;

  @AfterEach
  void stop() {
    if (client != null) {
      Blocking.await(client.close(), Duration.ofSeconds(30));
    }
    nodes.forEach(NodeProcess::close);
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aDashboardNodeShowsTheWindowsOfEveryWorkerAndListsThem() throws Exception {
    // Given three workers and a dashboard node in one cluster, each on its own address
    fixture = new PipelineFixture(Map.of("topics.partitions", String.valueOf(PARTITIONS),
        "watermark.allowed.lateness", "10m"));
    fixture.createTopics();
    String members = String.join(",", WORKERS) + "," + DASHBOARD;
    for (int i = 0; i < WORKERS.size(); i++) {
      nodes.add(NodeProcess.launch(fixture, "worker-" + (i + 1), cluster(WORKERS.get(i), members,
          "ingest,aggregator,lake-writer,enricher"), List.of()));
      if (i == 0) {
        nodes.get(0).awaitRunning(); // first, so that the others join it; they start side by side
      }
    }
    Map<String, String> dashboardSettings = new HashMap<>(cluster(DASHBOARD, members, "dashboard"));
    dashboardSettings.put("dashboard.host", DASHBOARD);
    dashboardSettings.put("dashboard.port", "0");
    NodeProcess dashboard = NodeProcess.launch(fixture, "dashboard", dashboardSettings, List.of());
    nodes.add(dashboard);
    nodes.forEach(NodeProcess::awaitRunning);
    await().atMost(Duration.ofSeconds(90)).until(() -> fixture.queryLong(
        "SELECT count(DISTINCT owner) FROM pulse_partition_progress") == WORKERS.size());
    Matcher url = DASHBOARD_URL.matcher(dashboard.output());
    assertTrue(url.find(), "the dashboard node prints its address; see " + dashboard.log());
    assertEquals(DASHBOARD, url.group(1), "the dashboard listens on its own address");
    int port = Integer.parseInt(url.group(2));

    // When a browser is connected to the dashboard node and each partition gets page views of its own page
    Map<String, Long> views = new ConcurrentHashMap<>();
    List<JsonObject> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
    client = Vertx.vertx();
    webSockets = client.createWebSocketClient();
    ClientWebSocket ws = webSockets.webSocket();
    ws.textMessageHandler(text -> {
      JsonObject m = new JsonObject(text);
      if ("pageViews".equals(m.getString("type"))) {
        JsonArray rows = m.getJsonArray("rows");
        for (int i = 0; i < rows.size(); i++) {
          JsonObject r = rows.getJsonObject(i);
          views.merge(r.getString("pageUrl"), r.getLong("views"), Math::max);
        }
      } else if ("status".equals(m.getString("type"))) {
        statuses.add(m);
      }
    });
    Blocking.await(ws.connect(new WebSocketConnectOptions().setHost(DASHBOARD).setPort(port).setURI("/ws")
        .addHeader("Origin", "http://" + DASHBOARD + ":" + port)), Duration.ofSeconds(10));
    for (int p = 0; p < PARTITIONS; p++) {
      for (int i = 0; i <= p; i++) {
        String json = new JsonObject().put("event_id", "cluster-" + p + "-" + i).put("user_id", "u-" + i)
            .put("page_url", "/cluster/p" + p).put("event_type", "page_view")
            .put("timestamp", Instant.now().toString()).encode();
        fixture.producer().send(new ProducerRecord<>(fixture.topics.input(), p,
            ("u-" + i).getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
      }
    }
    fixture.producer().flush();

    // Then the browser sees every partition's page with its count, though no aggregator runs on its node
    // (a partition's page counts come with each of its checkpoints: its first may hold only part of its events)
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      for (int p = 0; p < PARTITIONS; p++) {
        assertEquals(p + 1, views.get("/cluster/p" + p), "page views of partition " + p);
      }
    });
    Set<String> owners = new HashSet<>();
    fixture.query("SELECT DISTINCT owner FROM pulse_partition_progress")
        .forEach(r -> owners.add(String.valueOf(r.values().iterator().next())));
    assertEquals(WORKERS.size(), owners.size(), "the partitions are spread over every worker: " + owners);

    // and its node list holds the three workers with their partitions, all six of them, each once
    await().atMost(Duration.ofSeconds(30)).until(() -> !statuses.isEmpty()
        && workerPartitions(statuses.get(statuses.size() - 1)).size() == WORKERS.size());
    Map<String, List<String>> byWorker = workerPartitions(statuses.get(statuses.size() - 1));
    assertEquals(Set.of("worker-1", "worker-2", "worker-3"), byWorker.keySet());
    List<String> all = new ArrayList<>();
    byWorker.values().forEach(all::addAll);
    assertEquals(PARTITIONS, new HashSet<>(all).size(), "every partition listed: " + byWorker);
    assertEquals(PARTITIONS, all.size(), "no partition listed twice: " + byWorker);
    byWorker.forEach((w, parts) -> assertTrue(!parts.isEmpty(), w + " owns partitions: " + byWorker));

    // and its /metrics tells, for the whole cluster, how many partitions each worker owns and how often they moved
    String metrics = PipelineFixture.http().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://" + DASHBOARD + ":" + port + "/metrics")).timeout(Duration.ofSeconds(10))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    long listedPartitions = 0;
    for (String worker : byWorker.keySet()) {
      Matcher owned = Pattern.compile("^pulse_cluster_node_partitions\\{node=\"" + worker + "\"\\} ([0-9.]+)$",
          Pattern.MULTILINE).matcher(metrics);
      assertTrue(owned.find(), "the dashboard's /metrics lists " + worker + "'s partitions");
      listedPartitions += (long) Double.parseDouble(owned.group(1));
      assertTrue(Pattern.compile("^pulse_cluster_node_rebalances\\{change=\"assigned\",node=\"" + worker
          + "\"\\} [1-9]", Pattern.MULTILINE).matcher(metrics).find(), worker + " was assigned partitions");
    }
    assertEquals(PARTITIONS, listedPartitions, "the partitions per node add up to the topic's");
    assertTrue(metrics.contains("pulse_cluster_nodes 4.0"), "three workers and the dashboard node are up");

    // and so does the page itself, in a real browser on the dashboard node (the README's screenshot)
    WebDriver browser = Browsers.headless();
    try {
      browser.get("http://" + DASHBOARD + ":" + port + "/");
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        String nodeList = Browsers.text(browser, "nodes");
        return WORKERS.size() == nodeList.split("partitions", -1).length - 1
            && nodeList.contains("worker-1") && nodeList.contains("worker-2") && nodeList.contains("worker-3");
      });
      await().atMost(Duration.ofSeconds(30)).until(() -> Browsers.text(browser, "top-pages").contains("/cluster/p5"));
      Browsers.screenshot(browser, "dashboard-three-workers.png");
    } finally {
      browser.quit();
    }
  }

  /** The workers (nodes running ingest) of a status message, with the partitions each owns. */
  private static Map<String, List<String>> workerPartitions(JsonObject status) {
    Map<String, List<String>> out = new HashMap<>();
    JsonArray list = status.getJsonArray("nodes", new JsonArray());
    for (int i = 0; i < list.size(); i++) {
      JsonObject n = list.getJsonObject(i);
      if (n.getJsonArray("roles", new JsonArray()).contains("ingest")) {
        List<String> parts = new ArrayList<>();
        n.getJsonArray("partitions", new JsonArray()).forEach(p -> parts.add((String) p));
        out.put(n.getString("name"), parts);
      }
    }
    return out;
  }

  private Map<String, String> cluster(String address, String members, String roles) {
    return Map.of("cluster.enabled", "true", "cluster.host", address, "cluster.members", members, "roles", roles);
  }
}
