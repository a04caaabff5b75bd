package dev.pulse.enricher;

import dev.pulse.common.config.KafkaClientSettings;
import dev.pulse.common.config.PulseConfig;
import java.time.Duration;
import java.util.Map;

/**
 * The enricher's settings. Its progress is the committed offsets of a consumer group of its own (no member
 * ever joins it): they are written in the same Kafka transaction as the enriched records they cover.
 * {@code producerSettings} are the producer's own settings given under {@code enricher.producer.} (tuning only:
 * the ones its exactly-once output relies on are refused).
 */
public record EnricherOptions(String groupId, Duration transactionTimeout, Duration transactionInterval,
    Map<String, String> producerSettings) {

  public static EnricherOptions from(PulseConfig config, String namespace) {
    String group = config.required("enricher.group.id");
    return new EnricherOptions(
        namespace.isEmpty() ? group : group + "." + namespace,
        config.duration("enricher.transaction.timeout", Duration.ofSeconds(1), Duration.ofMinutes(15)),
        config.duration("enricher.transaction.interval", Duration.ZERO, Duration.ofSeconds(10)),
        KafkaClientSettings.producer(config));
  }
}
