package dev.pulse.app;

import dev.pulse.common.config.ConfigException;
import dev.pulse.common.config.KafkaOptions;
import dev.pulse.common.config.NodeOptions;
import dev.pulse.common.config.PulseConfig;
import dev.pulse.common.config.WatermarkOptions;
import dev.pulse.producer.GeneratorSpec;
import dev.pulse.producer.ProducerRun;
import dev.pulse.producer.ProducerRun.Progress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Sends synthetic events to the input topic: the replacement of the old {@code python producer.py}. */
@Command(name = "produce", mixinStandardHelpOptions = true,
    description = "Send realistic synthetic clickstream events to the input topic.")
public final class ProduceCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions configOptions;

  @Option(names = "--rate", defaultValue = "1000", description = "Events per second (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--count", description = "Stop after this many events.")
  Long count;

  @Option(names = "--duration", description = "Stop after this long, e.g. 60s, 5m (default: 10000 events).")
  String duration;

  @Option(names = "--users", defaultValue = "1000", description = "Distinct users (default ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--pages", defaultValue = "50", description = "Distinct product/category pages (default ${DEFAULT-VALUE}).")
  int pages;

  @Option(names = "--late-share", defaultValue = "0", description = "Share of late events, 0..1 (default ${DEFAULT-VALUE}).")
  double lateShare;

  @Option(names = "--invalid-share", defaultValue = "0",
      description = "Share of invalid records, 0..1 (default ${DEFAULT-VALUE}).")
  double invalidShare;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--bootstrap-servers", description = "Kafka to send to (default: kafka.bootstrap.servers, "
      + "or the in-process broker's address).")
  String bootstrapServers;

  @Override
  public Integer call() {
    PulseConfig config;
    Duration maxDuration;
    GeneratorSpec spec;
    try {
      config = configOptions.load(Map.of());
      maxDuration = duration == null ? null : parseDuration(duration);
      long lateness = WatermarkOptions.from(config).allowedLateness().toMillis();
      spec = new GeneratorSpec(users, pages, lateShare, invalidShare, lateness, seed);
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("pulse produce: " + e.getMessage());
      return 2;
    }
    if (rate <= 0 || rate > 10_000_000) {
      System.err.println("pulse produce: --rate must be in (0, 10000000]");
      return 2;
    }
    long maxEvents = count != null ? count : (maxDuration != null ? Long.MAX_VALUE : 10_000);
    String bootstrap = bootstrapServers != null ? bootstrapServers : KafkaOptions.from(config).bootstrap();
    NodeOptions node = NodeOptions.from(config.with(Map.of("roles", "producer")));
    String topic = node.topics().input();
    try {
      // Producing before any node has run is fine: the topics are created as a node would.
      KafkaOptions kafka = KafkaOptions.from(config);
      TopicSetup.ensure(bootstrap, node.topics(), kafka.partitions(), kafka.replicationFactor());
    } catch (IllegalStateException e) {
      System.err.println("pulse produce: " + e.getMessage());
      return 1;
    }
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        ProducerRun.producerConfig(bootstrap, "pulse-produce"), new ByteArraySerializer(), new ByteArraySerializer())) {
      ProducerRun run = new ProducerRun(producer, topic, spec, rate, maxEvents, maxDuration, Clock.systemUTC());
      Runtime.getRuntime().addShutdownHook(new Thread(run::stop));
      System.out.printf("producing to %s on %s at %.0f events/s%n", topic, bootstrap, rate);
      ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "produce-progress");
        t.setDaemon(true);
        return t;
      });
      long start = System.nanoTime();
      ticker.scheduleAtFixedRate(() -> print(run.progress(), start), 1, 1, TimeUnit.SECONDS);
      Progress done = run.run();
      ticker.shutdownNow();
      print(done, start);
      if (done.error() != null) {
        System.err.println("pulse produce: " + done.error());
        return 1;
      }
      return 0;
    }
  }

  private static void print(Progress p, long startNanos) {
    double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
    System.out.printf("sent %d (%.0f/s), acknowledged %d, failed %d; valid %d, late %d, invalid %d%n",
        p.sent(), p.sent() / seconds, p.acknowledged(), p.failed(), p.valid(), p.late(), p.invalid());
  }

  private static Duration parseDuration(String raw) {
    return PulseConfig.parseDuration(raw).orElseThrow(() -> new IllegalArgumentException(
        "--duration '" + raw + "' is not a duration (write e.g. 30s, 5m, 1h)"));
  }
}
