package dev.pulse.app;

import dev.pulse.common.Blocking;
import dev.pulse.common.Role;
import dev.pulse.common.Sink;
import dev.pulse.common.config.ConfigException;
import dev.pulse.common.config.KafkaOptions;
import dev.pulse.common.config.PgOptions;
import dev.pulse.common.config.PulseConfig;
import dev.pulse.common.config.WatermarkOptions;
import dev.pulse.embedded.Folders;
import dev.pulse.embedded.FreePorts;
import dev.pulse.producer.GeneratorSpec;
import dev.pulse.producer.ProducerRun;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code pulse run --training-run}: the whole pipeline once, on its own embedded Kafka and PostgreSQL in a
 * temporary folder, through every sink of the node's roles, then a clean stop and exit. Started with
 * {@code -XX:ArchiveClassesAtExit=pulse.jsa}, the JVM then writes an AppCDS archive of every class a node loads
 * at start-up and on its first batches, so that a node started with {@code -XX:SharedArchiveFile=pulse.jsa}
 * maps them instead of loading, verifying and linking them again. Nothing of the configured Kafka, PostgreSQL,
 * lake or cluster is touched.
 */
final class TrainingRun {

  static final int EVENTS = 30_000;
  private static final Duration BOUND = Duration.ofSeconds(180);

  private TrainingRun() {
  }

  /** The node's own configuration, with everything it would write to replaced by private, temporary places. */
  static PulseConfig isolated(PulseConfig config, Path dir) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("kafka.bootstrap.servers", "");
    o.put("kafka.embedded.port", Integer.toString(FreePorts.pair()));
    o.put("kafka.embedded.dir", dir.resolve("kafka").toString());
    o.put("pg.url", "");
    o.put("pg.host", "");
    o.put("pg.embedded.port", Integer.toString(FreePorts.one()));
    o.put("pg.embedded.dir", dir.resolve("pg").toString());
    o.put("pg.schema", "public");
    o.put("lake.dir", dir.resolve("lake").toString());
    o.put("lake.roll.interval", "1s");
    o.put("cluster.name", "pulse-training-" + UUID.randomUUID());
    o.put("cluster.host", "127.0.0.1");
    o.put("cluster.members", "");
    o.put("dashboard.host", "127.0.0.1");
    o.put("dashboard.port", "0");
    o.put("node.name", "training");
    return config.with(o);
  }

  /** Runs it; 0 when every sink of the node took every event, 1 otherwise. */
  static int run(PulseConfig configured) {
    Path dir;
    try {
      dir = Files.createTempDirectory("pulse-training");
    } catch (IOException e) {
      System.err.println("pulse: training run: cannot make a temporary folder: " + e.getMessage());
      return 1;
    }
    try {
      PulseConfig config = isolated(configured, dir);
      PulseNode.checkConfig(config);
      try (Infrastructure infra = Infrastructure.start(KafkaOptions.from(config), PgOptions.from(config))) {
        PulseNode node = PulseNode.start(config, infra.endpoints(), new VertxOptions(), Clock.systemUTC());
        try {
          return feed(node, infra, config);
        } finally {
          Blocking.await(node.stop(), Duration.ofSeconds(60));
        }
      }
    } catch (ConfigException e) {
      throw e; // exit status 2, as for any run
    } catch (RuntimeException e) {
      System.err.println("pulse: training run failed: " + e);
      return 1;
    } finally {
      deleteTree(dir);
    }
  }

  private static int feed(PulseNode node, Infrastructure infra, PulseConfig config) {
    String bootstrap = infra.endpoints().kafkaBootstrap();
    long lateness = WatermarkOptions.from(config).allowedLateness().toMillis();
    GeneratorSpec spec = new GeneratorSpec(1_000, 50, 0, 0.01, lateness, 42);
    ProducerRun.Progress sent;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ProducerRun.producerConfig(bootstrap,
        "pulse-training"), new ByteArraySerializer(), new ByteArraySerializer())) {
      sent = new ProducerRun(producer, node.options().topics().input(), spec, 1_000_000, EVENTS, null,
          Clock.systemUTC()).run();
    }
    if (sent.error() != null) {
      System.err.println("pulse: training run: producing failed: " + sent.error());
      return 1;
    }
    List<String> roles = node.options().roles().stream().map(Role::id).toList();
    List<Sink> sinks = Stream.of(Sink.values()).filter(s -> roles.contains(s.id())).toList();
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!sinks.stream().allMatch(s -> node.metrics().sinkEvents(s) >= sent.valid())) {
      if (System.nanoTime() > deadline) {
        System.err.println("pulse: training run: not every sink took the " + sent.valid() + " events within " + BOUND
            + ": " + counts(node, sinks));
        return 1;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(100); // a CLI waiting for counters, not a test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
    }
    System.out.println("pulse: training run: " + sent.valid() + " events and " + sent.invalid()
        + " invalid records through " + counts(node, sinks));
    return 0;
  }

  private static Map<String, Long> counts(PulseNode node, List<Sink> sinks) {
    Map<String, Long> out = new LinkedHashMap<>();
    sinks.forEach(s -> out.put(s.id(), node.metrics().sinkEvents(s)));
    return out;
  }

  private static void deleteTree(Path dir) {
    try {
      Folders.deleteTree(dir);
    } catch (IOException e) {
      System.err.println("pulse: training run: could not delete " + dir + ": " + e.getMessage());
    }
  }
}
