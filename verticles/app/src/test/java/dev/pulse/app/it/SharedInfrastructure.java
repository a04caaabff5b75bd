package dev.pulse.app.it;

import dev.pulse.common.config.PgOptions;
import dev.pulse.common.config.PulseConfig;
import dev.pulse.embedded.EmbeddedKafkaBroker;
import dev.pulse.embedded.EmbeddedPostgresServer;
import dev.pulse.embedded.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One in-process Kafka broker and one PostgreSQL per test JVM; tests keep apart by namespace (topics,
 * consumer group) and schema. PostgreSQL is embedded unless {@code PG_URL} names a server to use.
 */
final class SharedInfrastructure {

  private static SharedInfrastructure instance;

  final EmbeddedKafkaBroker kafka;
  final PgOptions pg;
  private final EmbeddedPostgresServer embeddedPg;

  private SharedInfrastructure(EmbeddedKafkaBroker kafka, PgOptions pg, EmbeddedPostgresServer embeddedPg) {
    this.kafka = kafka;
    this.pg = pg;
    this.embeddedPg = embeddedPg;
  }

  static synchronized SharedInfrastructure get() {
    if (instance == null) {
      instance = start();
      Runtime.getRuntime().addShutdownHook(new Thread(instance::close, "test-infrastructure-stop"));
    }
    return instance;
  }

  private static SharedInfrastructure start() {
    try {
      Path base = Files.createTempDirectory("pulse-it");
      EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start("127.0.0.1", FreePorts.pair(), base.resolve("kafka"),
          Map.of("group.consumer.heartbeat.interval.ms", "500", "group.consumer.min.heartbeat.interval.ms", "500"));

      String pgUrl = System.getenv("PG_URL");
      if (pgUrl != null && !pgUrl.isBlank()) {
        PgOptions pg = PgOptions.from(PulseConfig.defaults().with(Map.of("pg.url", pgUrl)));
        return new SharedInfrastructure(kafka, pg, null);
      }
      EmbeddedPostgresServer server = EmbeddedPostgresServer.start(0, base.resolve("postgres"), true);
      PgOptions pg = PgOptions.from(PulseConfig.defaults())
          .withServer(server.host(), server.port(), server.database(), server.user(), "");
      return new SharedInfrastructure(kafka, pg, server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void close() {
    kafka.close();
    if (embeddedPg != null) {
      embeddedPg.close();
    }
  }
}
