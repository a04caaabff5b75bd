package dev.pulse.app;

import dev.pulse.common.config.KafkaOptions;
import dev.pulse.common.config.PgOptions;
import dev.pulse.embedded.EmbeddedKafkaBroker;
import dev.pulse.embedded.EmbeddedPostgresServer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers of the no-Docker run: an in-process Kafka broker when no bootstrap servers are configured,
 * an embedded PostgreSQL when no server is. Given servers are used as they are.
 */
public final class Infrastructure implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Infrastructure.class);

  private final EmbeddedKafkaBroker broker;
  private final EmbeddedPostgresServer postgres;
  private final Endpoints endpoints;

  private Infrastructure(EmbeddedKafkaBroker broker, EmbeddedPostgresServer postgres, Endpoints endpoints) {
    this.broker = broker;
    this.postgres = postgres;
    this.endpoints = endpoints;
  }

  public static Infrastructure start(KafkaOptions kafka, PgOptions pg) {
    EmbeddedKafkaBroker broker = null;
    EmbeddedPostgresServer postgres = null;
    try {
      String bootstrap = kafka.bootstrap();
      if (kafka.embedded()) {
        LOG.info("starting the in-process Kafka broker on {}:{}", kafka.embeddedHost(), kafka.embeddedPort());
        broker = EmbeddedKafkaBroker.start(kafka.embeddedHost(), kafka.embeddedPort(), kafka.embeddedDir(), Map.of());
        bootstrap = broker.bootstrapServers();
      }
      PgOptions resolved = pg;
      if (pg.embedded()) {
        LOG.info("starting the embedded PostgreSQL on 127.0.0.1:{}", pg.embeddedPort());
        postgres = EmbeddedPostgresServer.start(pg.embeddedPort(), pg.embeddedDir(), false);
        resolved = pg.withServer(postgres.host(), postgres.port(), postgres.database(), postgres.user(), "");
      }
      return new Infrastructure(broker, postgres, new Endpoints(bootstrap, resolved));
    } catch (RuntimeException e) {
      if (broker != null) {
        broker.close();
      }
      if (postgres != null) {
        postgres.close();
      }
      throw e;
    }
  }

  public Endpoints endpoints() {
    return endpoints;
  }

  public boolean embeddedKafka() {
    return broker != null;
  }

  public boolean embeddedPostgres() {
    return postgres != null;
  }

  @Override
  public void close() {
    if (broker != null) {
      broker.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }
}
