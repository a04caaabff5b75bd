package dev.pulse.app;

import dev.pulse.common.Blocking;
import dev.pulse.common.CrashPoints;
import dev.pulse.common.config.ConfigException;
import dev.pulse.common.config.KafkaOptions;
import dev.pulse.common.config.PgOptions;
import dev.pulse.common.config.PulseConfig;
import io.vertx.core.VertxOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Starts a node (and, unless told where they are, its own Kafka broker and PostgreSQL). */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a Pulse node. With no Kafka or PostgreSQL configured, starts embedded ones.")
public final class RunCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions configOptions;

  @Option(names = "--roles", paramLabel = "ROLES",
      description = "Comma-separated roles (ingest, aggregator, ...); overrides PULSE_ROLES.")
  String roles;

  @Option(names = "--reset-on-new-topic",
      description = "When the input topic was recreated or Kafka's data wiped (its log ends before Pulse's "
          + "checkpoints), process it again from offset 0, keeping stored results (ingest.on.input.reset=reset). "
          + "Without it such partitions are refused and reported in /health.")
  boolean resetOnNewTopic;

  @Option(names = "--training-run",
      description = "Run the pipeline once on private, temporary, embedded Kafka and PostgreSQL with "
          + TrainingRun.EVENTS + " synthetic events, stop and exit. With -XX:ArchiveClassesAtExit=pulse.jsa the "
          + "JVM then writes a class-data archive that makes later starts with -XX:SharedArchiveFile=pulse.jsa "
          + "faster. The configured Kafka, PostgreSQL, lake and cluster are not touched.")
  boolean trainingRun;

  @Override
  public Integer call() throws InterruptedException {
    PulseConfig config;
    Infrastructure infra;
    try {
      Map<String, String> extra = new LinkedHashMap<>();
      if (roles != null) {
        extra.put("roles", roles);
      }
      if (resetOnNewTopic) {
        extra.put("ingest.on.input.reset", "reset");
      }
      config = configOptions.load(extra);
      PulseNode.checkConfig(config);
      if (trainingRun) {
        return TrainingRun.run(config);
      }
      CrashPoints.armed().ifPresent(point -> System.err.println("pulse: test crash point armed: " + point
          + " (the node halts there with status " + CrashPoints.EXIT_STATUS + ")"));
      KafkaOptions kafka = KafkaOptions.from(config);
      PgOptions pg = PgOptions.from(config);
      infra = Infrastructure.start(kafka, pg);
    } catch (ConfigException e) {
      System.err.println("pulse: " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      System.err.println("pulse: cannot start the embedded servers: " + e.getMessage());
      return 1;
    }
    PulseNode node;
    try {
      node = PulseNode.start(config, infra.endpoints(), new VertxOptions(), Clock.systemUTC());
    } catch (ConfigException e) {
      infra.close();
      System.err.println("pulse: " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      infra.close();
      System.err.println("pulse: cannot start the node: " + rootMessage(e));
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("pulse: stopping (writing open windows and offsets) ...");
      try {
        Blocking.await(node.stop(), Duration.ofSeconds(60));
      } finally {
        infra.close();
        stopped.countDown();
      }
    }, "pulse-shutdown"));
    printBanner(infra, node, config);
    stopped.await();
    return 0;
  }

  /** The innermost message that says something (deploy failures arrive wrapped). */
  private static String rootMessage(Throwable e) {
    String message = e.toString();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
        if (t instanceof IllegalStateException && t.getCause() != null && message.contains(" (")) {
          break; // ours, naming the keys: more useful than the cause below it
        }
      }
    }
    return message;
  }

  private static void printBanner(Infrastructure infra, PulseNode node, PulseConfig config) {
    Endpoints e = infra.endpoints();
    PgOptions pg = e.pg();
    String schemaPrefix = "public".equals(pg.schema()) ? "" : pg.schema() + ".";
    System.out.println();
    System.out.println("Pulse is running: node " + node.options().nodeName() + ", roles "
        + node.options().roles().stream().map(dev.pulse.common.Role::id).sorted().toList());
    System.out.println("  Kafka       " + e.kafkaBootstrap() + (infra.embeddedKafka() ? "  (in-process broker)" : "")
        + "   topics: " + node.options().topics().all());
    System.out.println("  PostgreSQL  " + pg.displayUrl() + (infra.embeddedPostgres() ? "  (embedded)" : "")
        + "   schema: " + pg.schema());
    node.dashboardUrl().ifPresent(url -> System.out.println("  Dashboard   " + url
        + (node.dashboardOnAllInterfaces() ? " (all interfaces)" : "") + "   (REST under /api, /health, /metrics)"));
    if (node.options().has(dev.pulse.common.Role.LAKE_WRITER)) {
      System.out.println("  Lake        " + dev.pulse.lake.LakeOptions.from(config).dir().toAbsolutePath()
          + "   (java -jar verticles/app/target/pulse.jar query)");
    }
    System.out.println("  Try:        psql " + pg.displayUrl() + " -c 'SELECT * FROM " + schemaPrefix
        + "page_view_counts ORDER BY window_start DESC, view_count DESC LIMIT 20'");
    System.out.println("  Produce:    java -jar verticles/app/target/pulse.jar produce --rate 1000 --duration 60s");
    System.out.println("  Stop:       Ctrl-C (open windows and offsets are written first)");
    System.out.println();
  }
}
