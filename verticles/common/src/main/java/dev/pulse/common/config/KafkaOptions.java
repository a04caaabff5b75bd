package dev.pulse.common.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where Kafka is. With no bootstrap servers configured, Pulse runs its own broker on 127.0.0.1.
 */
public record KafkaOptions(
    Optional<String> bootstrapServers,
    String embeddedHost,
    int embeddedPort,
    Path embeddedDir,
    int partitions,
    short replicationFactor) {

  /** The in-process broker binds loopback only: nothing outside the machine can reach it. */
  public static final String LOOPBACK = "127.0.0.1";

  public static KafkaOptions from(PulseConfig config) {
    return new KafkaOptions(
        config.optional("kafka.bootstrap.servers"),
        LOOPBACK,
        config.intIn("kafka.embedded.port", 1024, 65534),
        Path.of(config.required("kafka.embedded.dir")),
        config.intIn("topics.partitions", 1, 1024),
        (short) config.intIn("topics.replication.factor", 1, 16));
  }

  public boolean embedded() {
    return bootstrapServers.isEmpty();
  }

  /** The servers clients connect to: the configured ones, or the in-process broker. */
  public String bootstrap() {
    return bootstrapServers.orElse(embeddedHost + ":" + embeddedPort);
  }
}
