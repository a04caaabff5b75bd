package dev.pulse.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.apache.kafka.storage.internals.checkpoint.CleanShutdownFileHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka (broker and KRaft controller in one) built from Kafka's own production classes,
 * listening on loopback only. The log directory is formatted on first use and kept, so a broker started
 * again on the same directory has the same topics and offsets.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final String CONTROLLER_LISTENER = "CONTROLLER";

  private final KafkaRaftServer server;
  private final String bootstrapServers;

  private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Formats {@code logDir} if needed and starts the broker. Blocks until the broker answers clients.
   *
   * @param port the client port; the controller listens on {@code port + 1}
   */
  public static EmbeddedKafkaBroker start(String host, int port, Path logDir, Map<String, String> overrides) {
    int controllerPort = port + 1;
    if (!FreePorts.isFree(port) || !FreePorts.isFree(controllerPort)) {
      throw new IllegalStateException("port " + port + " or " + controllerPort + " on " + host + " is in use (another "
          + "Pulse or Kafka?); stop it or choose another kafka.embedded.port");
    }
    Map<String, Object> props = new HashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
    props.put("listeners", "PLAINTEXT://" + host + ":" + port + "," + CONTROLLER_LISTENER + "://" + host + ":"
        + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    props.put("controller.listener.names", CONTROLLER_LISTENER);
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toAbsolutePath().toString());
    // One broker: internal topics cannot be replicated, and few partitions start faster.
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "4");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "4");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    // A node that dies loses its partitions after 10 s (Kafka's default is 45 s): faster takeover on one machine.
    props.put("group.consumer.min.session.timeout.ms", "5000");
    props.put("group.consumer.session.timeout.ms", "10000");
    props.put("group.consumer.heartbeat.interval.ms", "2000");
    props.put("group.consumer.min.heartbeat.interval.ms", "1000");
    // Pulse creates its topics itself, with the partitions it is configured for.
    props.put("auto.create.topics.enable", "false");
    // message.max.bytes stays Kafka's default (1 MB), as on any broker: the dead-letter topic gets room for a
    // record that large plus Pulse's headers from its own max.message.bytes. Raised here, the input took records
    // whose dead letters no longer fit, and the partition's dead-lettering failed over and over.
    props.putAll(overrides);

    try {
      Files.createDirectories(logDir);
      KafkaConfig config = new KafkaConfig(props, false);
      explainSlowStartAfterCrash(logDir);
      format(logDir);
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      String bootstrap = host + ":" + port;
      EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, bootstrap);
      broker.awaitReady(Duration.ofSeconds(60));
      LOG.info("Kafka broker ready at {} (log dir {})", bootstrap, logDir.toAbsolutePath());
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * After a crash (SIGKILL, power loss) the broker recovers its logs, and its controller refuses the new
   * registration of broker 1 until the old one's session has expired: start takes that much longer, silently.
   */
  private static void explainSlowStartAfterCrash(Path logDir) {
    boolean formatted = Files.exists(logDir.resolve("meta.properties"));
    if (formatted && !new CleanShutdownFileHandler(logDir.toAbsolutePath().toString()).exists()) {
      LOG.info("the Kafka broker in {} was not shut down cleanly last time: it recovers its logs and waits for "
          + "its previous registration to expire (broker.session.timeout.ms, 9 s by default)",
          logDir.toAbsolutePath());
    }
  }

  private static void format(Path logDir) {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return; // formatted by an earlier run: keep its cluster id, topics and offsets
    }
    Formatter formatter = new Formatter()
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
        .setNodeId(1)
        .setClusterId(Uuid.randomUuid().toString())
        .setDirectories(List.of(logDir.toAbsolutePath().toString()))
        .setMetadataLogDirectory(Optional.of(logDir.toAbsolutePath().toString()))
        .setControllerListenerName(CONTROLLER_LISTENER)
        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
        .setIgnoreFormatted(true);
    try {
      formatter.run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format Kafka log dir " + logDir, e);
    }
  }

  private void awaitReady(Duration timeout) {
    Map<String, Object> conf = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    try (Admin admin = Admin.create(conf)) {
      admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      close();
      throw new IllegalStateException("Kafka broker at " + bootstrapServers + " did not become ready", e);
    }
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
  }
}
