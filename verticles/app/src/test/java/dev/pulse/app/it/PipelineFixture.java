package dev.pulse.app.it;

import dev.pulse.common.Blocking;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.Endpoints;
import dev.pulse.app.PulseNode;
import dev.pulse.app.verify.Consistency;
import dev.pulse.app.verify.ConsistencyReport;
import dev.pulse.app.verify.VerifyRange;
import dev.pulse.app.verify.VerifyTarget;
import dev.pulse.app.verify.VerifyUnavailableException;
import dev.pulse.common.Topics;
import dev.pulse.common.config.PgOptions;
import dev.pulse.common.config.PulseConfig;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.search.Search;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One test's pipeline: its own namespace (topics, consumer group) and schema on the shared broker and
 * PostgreSQL, nodes started and stopped in-process, and plain clients to feed and check it.
 */
final class PipelineFixture implements AutoCloseable {

  final String namespace = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  final String schema = "it_" + namespace;
  final Topics topics = Topics.forNamespace(namespace);
  final Path lakeDir = createTempDir("pulse-lake-");
  final SharedInfrastructure infra = SharedInfrastructure.get();
  private final Map<String, String> settings = new HashMap<>();
  private final List<PulseNode> nodes = new ArrayList<>();
  private final BlockedThreadWatch blockedThreads = BlockedThreadWatch.install();
  private KafkaProducer<byte[], byte[]> producer;
  /** The broker and PostgreSQL this test's nodes and clients use: the shared ones unless the test brings its own. */
  private final String kafkaBootstrap;
  private final PgOptions pgServer;

  PipelineFixture(Map<String, String> overrides) {
    this(overrides, null, null);
  }

  /**
   * A fixture on a broker and/or PostgreSQL of the test's own (null: the shared one), for tests that stop or
   * restart them.
   */
  PipelineFixture(Map<String, String> overrides, String kafkaBootstrap, PgOptions pgServer) {
    this.kafkaBootstrap = kafkaBootstrap != null ? kafkaBootstrap : infra.kafka.bootstrapServers();
    this.pgServer = pgServer != null ? pgServer : infra.pg;
    settings.put("pulse.namespace", namespace);
    settings.put("pg.schema", schema);
    settings.put("roles", "ingest,aggregator,lake-writer,enricher");
    settings.put("dashboard.port", "0");
    settings.put("cluster.enabled", "false");
    settings.put("lake.dir", lakeDir.toString());
    settings.put("lake.roll.interval", "500ms");
    settings.put("topics.partitions", "3");
    settings.put("aggregator.flush.interval", "100ms");
    settings.put("ingest.progress.interval", "200ms");
    settings.putAll(overrides);
  }

  PulseConfig config() {
    return PulseConfig.defaults().with(settings);
  }

  /** The broker this test's nodes and clients use. */
  String kafkaBootstrap() {
    return kafkaBootstrap;
  }

  PgOptions pg() {
    return pgServer.withSchema(schema);
  }

  /** Starts a node in this JVM with some settings of its own on top of the test's. */
  PulseNode startNode(Map<String, String> extra) {
    Map<String, String> saved = new HashMap<>(settings);
    settings.putAll(extra);
    try {
      return startNode();
    } finally {
      settings.clear();
      settings.putAll(saved);
    }
  }

  /** Starts a node in this JVM with a short event-loop budget, so blocking calls are caught. */
  PulseNode startNode() {
    VertxOptions options = new VertxOptions()
        .setMaxEventLoopExecuteTime(500)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(100)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        // with the blocked thread's stack, so a failure says where it was
        .setWarningExceptionTime(500)
        .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS);
    PulseNode node = PulseNode.start(config(), new Endpoints(kafkaBootstrap, pg()), options,
        Clock.systemUTC());
    nodes.add(node);
    return node;
  }

  void stopNode(PulseNode node) {
    Blocking.await(node.stop(), Duration.ofSeconds(60));
    nodes.remove(node);
  }

  /** Creates the topics as a node would, so events can be produced before any node runs. */
  void createTopics() {
    dev.pulse.app.TopicSetup.ensure(kafkaBootstrap, topics,
        config().intIn("topics.partitions", 1, 1024), (short) 1);
  }

  /** Deletes the input topic and creates it again, empty, as a wiped Kafka or a recreated topic leaves it. */
  void recreateInputTopic() {
    try (Admin admin = Admin.create(Map.of(
        "bootstrap.servers", kafkaBootstrap))) {
      int partitions = config().intIn("topics.partitions", 1, 1024);
      admin.deleteTopics(List.of(topics.input())).all().get(30, TimeUnit.SECONDS);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> !admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topics.input()));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
        admin.createTopics(List.of(new NewTopic(topics.input(), partitions,
            (short) 1))).all().get(30, TimeUnit.SECONDS);
        return true;
      });
    } catch (Exception e) {
      throw new IllegalStateException("cannot recreate " + topics.input(), e);
    }
  }

  /** A node's {@code /health}: status code and body. */
  HttpAnswer health(PulseNode node) {
    return get(node, "/health");
  }

  HttpAnswer get(PulseNode node, String path) {
    return get(node.dashboardPort().orElseThrow(() -> new IllegalStateException("the node runs no dashboard")), path);
  }

  /**
   * An HTTP/1.1 client. JDK 17's client, left to its default, upgrades to cleartext HTTP/2 (h2c), and its second
   * such connection to a node stalls receiving a /metrics body of about 20 KB, past the request's timeout (the same
   * node answers curl's h2c upgrade every time): tests failed by their own client's hang under load.
   */
  static HttpClient http() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  /** A GET on a dashboard's port, e.g. of a node in its own JVM. */
  static HttpAnswer get(int port, String path) {
    try {
      java.net.http.HttpResponse<String> r = http().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new HttpAnswer(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  record HttpAnswer(int status, String body) {
  }

  /** The value of one sample of the node's Prometheus scrape, e.g. {@code pulse_sink_lag{...,sink="lake-writer",...}}. */
  static double metric(PulseNode node, String name, Map<String, String> tags) {
    Search search = node.metrics().registry().find(name);
    for (Map.Entry<String, String> t : tags.entrySet()) {
      search = search.tag(t.getKey(), t.getValue());
    }
    return search.meters().stream().flatMap(m -> StreamSupport.stream(m.measure().spliterator(),
        false)).mapToDouble(io.micrometer.core.instrument.Measurement::getValue).sum();
  }

  /** This test's settings as command-line arguments, for nodes started as separate processes. */
  List<String> settingsAsArguments() {
    List<String> args = new ArrayList<>();
    Map<String, String> all = new java.util.TreeMap<>(settings);
    PgOptions pg = pg();
    all.put("kafka.bootstrap.servers", kafkaBootstrap);
    all.put("pg.url", "postgresql://" + pg.user() + ":" + pg.password() + "@" + pg.host() + ":" + pg.port() + "/"
        + pg.database());
    all.forEach((k, v) -> args.add("--set=" + k + "=" + v));
    return args;
  }

  void send(int partition, String key, byte[] value) {
    send(new ProducerRecord<>(topics.input(), partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        value));
  }

  void send(ProducerRecord<byte[], byte[]> record) {
    try {
      producer().send(record).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot produce to " + record.topic(), e);
    }
  }

  KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafkaBootstrap, "acks", "all",
          "max.request.size", String.valueOf(2 * 1024 * 1024)), new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  /** Every record of a topic as a read_committed consumer sees it; waits for at least {@code atLeast}. */
  List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> readAll(String topic, int atLeast) {
    List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        "bootstrap.servers", kafkaBootstrap,
        "group.id", "check-" + UUID.randomUUID(),
        "auto.offset.reset", "earliest",
        "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        return out.size() >= atLeast;
      });
      // Anything more (a duplicate) would be right behind.
      consumer.poll(Duration.ofMillis(500)).forEach(out::add);
    }
    return out;
  }

  /**
   * Once {@code stream} has stopped: waits until the sinks' progress covers its records and the lake holds its
   * valid events, then asserts that the lake and the enriched stream hold each valid event exactly once.
   *
   * @return the enriched records
   */
  List<JsonObject> assertEachValidEventOnce(SteadyStream stream) {
    long records = stream.records();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> queryLong(
        "SELECT coalesce(sum(next_offset), 0) FROM pulse_partition_progress") == records);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> lakeCount("count(*)") == stream.valid());
    assertEquals(stream.valid(), lakeCount("count(DISTINCT event_id)"), "no event twice in the lake");
    List<JsonObject> enriched = readEnriched((int) stream.valid());
    assertEquals(stream.valid(), enriched.size(), "no event twice in the enriched stream");
    assertEquals(stream.valid(), enriched.stream().map(e -> e.getString("event_id")).distinct().count(),
        "every event in the enriched stream");
    return enriched;
  }

  /**
   * Every output of a stream exact, once everything is read: each valid event once in the lake and in the enriched
   * stream, each invalid record once in the dead-letter topic, none late, every page view counted once.
   *
   * @return the enriched records
   */
  List<JsonObject> assertEveryOutputExact(SteadyStream stream) {
    List<JsonObject> enriched = assertEachValidEventOnce(stream);
    assertEquals(stream.invalid(), readAll(topics.deadLetter(), (int) stream.invalid()).size(),
        "every invalid record dead-lettered once");
    assertEquals(0, queryLong("SELECT sum(late_events) FROM pulse_partition_progress"), "no late events");
    assertEquals(stream.pageViews(), queryLong("SELECT sum(view_count) FROM page_view_counts"),
        "every page view counted once");
    return enriched;
  }

  /**
   * Once a page-view window has closed (within {@code windowClosed}), PostgreSQL's windows and the lake agree, as
   * {@code pulse verify} checks them.
   *
   * @return that check's report
   */
  ConsistencyReport assertPostgresAgreesWithLake(Duration windowClosed) throws VerifyUnavailableException {
    org.awaitility.Awaitility.await().atMost(windowClosed).until(() -> queryLong("SELECT count(*) FROM "
        + "page_view_counts WHERE window_end <= (SELECT min(watermark) FROM pulse_partition_progress)") > 0);
    ConsistencyReport report = Consistency.check(new VerifyTarget(lakeDir, pg(), topics.input()), VerifyRange.ALL);
    assertTrue(report.consistent(), () -> String.join("\n", report.textLines()));
    assertTrue(report.pageViews().windows() > 0, () -> String.join("\n", report.textLines()));
    return report;
  }

  /** Every enriched record in the topic, read as a read_committed consumer would; waits for at least {@code atLeast}. */
  List<JsonObject> readEnriched(int atLeast) {
    return readAll(topics.enriched(), atLeast).stream()
        .map(r -> new JsonObject(new String(r.value(), StandardCharsets.UTF_8))).toList();
  }

  /** Rows of a DuckDB query over the lake; {@code LAKE} in the SQL stands for the lake's Parquet files. */
  /** One number over the lake: {@code expression} as in {@code SELECT expression FROM LAKE} (0 with no files). */
  long lakeCount(String expression) {
    List<Map<String, Object>> rows = duckdb("SELECT " + expression + " AS n FROM LAKE");
    return rows.isEmpty() ? 0 : ((Number) rows.get(0).get("n")).longValue();
  }

  List<Map<String, Object>> duckdb(String sql) {
    String lake = "read_parquet('" + lakeDir + "/**/*.parquet', hive_partitioning = true)";
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery(sql.replace("LAKE", lake))) {
      return rows(rs);
    } catch (SQLException e) {
      if (e.getMessage() != null && e.getMessage().contains("No files found")) {
        return List.of();
      }
      throw new IllegalStateException(sql, e);
    }
  }

  private static Path createTempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rows of a query as maps from column name to value, in result order. */
  List<Map<String, Object>> query(String sql) {
    PgOptions pg = pg();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
         Statement st = c.createStatement()) {
      st.execute("SET search_path TO " + schema);
      st.execute("SET TIME ZONE 'UTC'");
      try (ResultSet rs = st.executeQuery(sql)) {
        return rows(rs);
      }
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return List.of(); // the node has not created its tables yet
      }
      throw new IllegalStateException(sql, e);
    }
  }

  private static List<Map<String, Object>> rows(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    List<Map<String, Object>> rows = new ArrayList<>();
    while (rs.next()) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        row.put(md.getColumnLabel(i), rs.getObject(i));
      }
      rows.add(row);
    }
    return rows;
  }

  long queryLong(String sql) {
    List<Map<String, Object>> rows = query(sql);
    if (rows.isEmpty()) {
      return -1;
    }
    Object v = rows.get(0).values().iterator().next();
    return v == null ? 0 : ((Number) v).longValue();
  }

  /** Leaves a shared server (PG_URL) as the test found it. */
  private void dropSchema() {
    PgOptions pg = pg();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
         Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop schema " + schema, e);
    }
  }

  /** The blocked-thread warnings so far, for a test that checks only a part of its run. */
  List<String> blockedEventLoopWarnings() {
    return blockedThreads.warnings();
  }

  void assertNoBlockedEventLoop() {
    assertEquals(List.of(), blockedThreads.warnings(), "an event loop was blocked");
  }

  @Override
  public void close() {
    try {
      for (PulseNode node : new ArrayList<>(nodes)) {
        stopNode(node);
      }
      if (producer != null) {
        producer.close();
      }
      dropSchema();
    } finally {
      blockedThreads.uninstall();
    }
  }
}
