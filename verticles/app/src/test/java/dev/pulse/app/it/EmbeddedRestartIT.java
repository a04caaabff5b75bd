package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.Topics;
import dev.pulse.embedded.FreePorts;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A no-Docker node (its own Kafka broker and PostgreSQL) killed with SIGKILL must start again on the same
 * ports and data directories, with nothing done by hand, and keep what it had counted. Its PostgreSQL, a
 * separate process, outlives it; the next start stops that server, but never one whose node is alive.
 */
class EmbeddedRestartIT {

  /** Settings the environment could carry that would point the node at servers other than its own. */
  private static final List<String> FOREIGN_SERVER_VARIABLES = List.of("KAFKA_BOOTSTRAP_SERVERS", "PG_URL",
      "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "PULSE_CONFIG");

  @TempDir
  Path dir;

  private final List<Process> nodes = new ArrayList<>();
  private int kafkaPort;
  private int pgPort;

  @AfterEach
  void stopEverythingStarted() throws Exception {
    for (Process p : nodes) {
      p.destroy();
    }
    for (Process p : nodes) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    // A node killed with SIGKILL (or a fix that does not work) leaves its PostgreSQL running.
    stopPostgresListedIn(dir.resolve("postgres").resolve("postmaster.pid"));
  }

  @Test
  void aNodeKilledWithSigkillStartsAgainOnItsOwnPortsAndDataWhileALiveNodesPostgresIsLeftAlone() throws Exception {
    // Given a node with its own broker and PostgreSQL that has counted 5 page views
    kafkaPort = FreePorts.pair();
    pgPort = freePortOtherThan(kafkaPort, kafkaPort + 1);
    Process first = startNode("first", Map.of());
    produce(5, "before");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> countedPageViews() == 5);
    long postmaster = postmasterPid(dir.resolve("postgres").resolve("postmaster.pid")).orElseThrow();

    // When another node is started on the same PostgreSQL directory (another port) while the first one runs
    Process intruder = launch("intruder", Map.of("kafka.bootstrap.servers", "127.0.0.1:" + kafkaPort,
        "pg.embedded.port", String.valueOf(freePortOtherThan(kafkaPort, kafkaPort + 1, pgPort))));

    // Then it is refused with a clear message, and the first node's PostgreSQL keeps serving
    assertTrue(intruder.waitFor(60, TimeUnit.SECONDS), "the intruder should stop by itself");
    assertEquals(1, intruder.exitValue());
    assertTrue(Files.readString(logOf("intruder")).contains("is in use by another running Pulse node (its "
        + "PostgreSQL has pid " + postmaster + ")"), "see " + logOf("intruder").toAbsolutePath());
    assertEquals(5, countedPageViews());

    // When the first node is killed with SIGKILL, which its PostgreSQL (a separate process) outlives ...
    first.destroyForcibly();
    assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the first node did not die");
    assertTrue(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false),
        "the scenario needs PostgreSQL to outlive the killed node");
    // ... and started again on the same ports and directories
    startNode("second", Map.of());

    // Then it stopped the orphan itself, still has the 5 counts, and counts 3 more on top of them
    String secondLog = Files.readString(logOf("second"));
    assertTrue(secondLog.contains("stopped an orphaned embedded PostgreSQL (pid " + postmaster + ")"),
        "the restarted node says what it did, see " + logOf("second").toAbsolutePath());
    assertTrue(secondLog.contains("was not shut down cleanly last time"), "the broker restarted after a crash");
    assertEquals(false, ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false));
    produce(3, "after");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> countedPageViews() == 8);
  }

  /** Starts {@code Main run} in its own JVM and returns once it says it is running. */
  private Process startNode(String name, Map<String, String> overrides) throws Exception {
    Process p = launch(name, overrides);
    Path log = logOf(name);
    await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive()
        || Files.readString(log).contains("Pulse is running"));
    assertTrue(p.isAlive(), "node " + name + " failed to start, see " + log.toAbsolutePath() + ":\n"
        + Files.readString(log));
    return p;
  }

  /** {@code Main run} in its own JVM with its own broker and PostgreSQL, unless the overrides say otherwise. */
  private Process launch(String name, Map<String, String> overrides) throws Exception {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("node.name", name);
    settings.put("roles", "ingest,aggregator");
    settings.put("cluster.enabled", "false");
    settings.put("dashboard.port", "0");
    settings.put("topics.partitions", "1");
    settings.put("aggregator.flush.interval", "100ms");
    settings.put("kafka.bootstrap.servers", "");
    settings.put("kafka.embedded.port", String.valueOf(kafkaPort));
    settings.put("kafka.embedded.dir", dir.resolve("kafka").toString());
    settings.put("pg.url", "");
    settings.put("pg.host", "");
    settings.put("pg.embedded.port", String.valueOf(pgPort));
    settings.put("pg.embedded.dir", dir.resolve("postgres").toString());
    settings.put("lake.dir", dir.resolve("lake").toString());
    settings.putAll(overrides);
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java,
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.pulse.app.Main", "run"));
    settings.forEach((k, v) -> command.add("--set=" + k + "=" + v));
    Path log = logOf(name);
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> FOREIGN_SERVER_VARIABLES.contains(k) || k.startsWith("PULSE_"));
    Process p = builder.start();
    nodes.add(p);
    return p;
  }

  private static int freePortOtherThan(Integer... taken) {
    List<Integer> notThese = List.of(taken);
    int port;
    do {
      port = FreePorts.one();
    } while (notThese.contains(port));
    return port;
  }

  private static Path logOf(String node) {
    return Path.of("target", "embedded-restart-" + node + ".log");
  }

  private void produce(int pageViews, String idPrefix) throws Exception {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafkaPort),
        new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < pageViews; i++) {
        String user = "u-" + i;
        String json = new JsonObject().put("event_id", idPrefix + "-" + i).put("user_id", user)
            .put("page_url", "/home").put("event_type", "page_view").put("timestamp", Instant.now().toString())
            .encode();
        producer.send(new ProducerRecord<>(Topics.defaults().input(), user, json)).get(30, TimeUnit.SECONDS);
      }
    }
  }

  private long countedPageViews() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres",
        "postgres", "");
         ResultSet rs = c.createStatement().executeQuery(
             "SELECT coalesce(sum(view_count), 0) FROM page_view_counts")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Optional<Long> postmasterPid(Path pidFile) throws IOException {
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(pidFile);
    return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
  }

  private static void stopPostgresListedIn(Path pidFile) throws Exception {
    Optional<ProcessHandle> postmaster = postmasterPid(pidFile).flatMap(ProcessHandle::of)
        .filter(h -> h.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    if (postmaster.isEmpty()) {
      return;
    }
    List<ProcessHandle> children = postmaster.get().descendants().toList();
    postmaster.get().destroy();
    try {
      postmaster.get().onExit().get(15, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      postmaster.get().destroyForcibly();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }
}
