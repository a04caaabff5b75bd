package dev.pulse.common.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * A Kafka client's own settings given in Pulse's configuration under a {@link PulseConfig#PASS_THROUGH} prefix
 * (tuning such as {@code fetch.max.bytes} or {@code linger.ms}), checked at start against the client's own
 * definitions: an unknown name, a value of the wrong type or out of range, or a setting Pulse's guarantees rest
 * on fails with the Pulse key named, instead of a client that logs "supplied but isn't a known config" and runs
 * on without it.
 */
public final class KafkaClientSettings {

  /** Ingest's consumer: Pulse sets these itself, and its offsets and exactly-once output depend on them. */
  public static final Map<String, String> CONSUMER_RESERVED = Map.ofEntries(
      Map.entry("bootstrap.servers", "set kafka.bootstrap.servers"),
      Map.entry("group.id", "set ingest.group.id"),
      Map.entry("group.protocol", "set ingest.group.protocol"),
      Map.entry("max.poll.records", "set ingest.max.poll.records"),
      Map.entry("client.id", "Pulse names its clients after the node"),
      Map.entry("enable.auto.commit", "ingest commits an offset only once every sink has made it durable"),
      Map.entry("auto.offset.reset", "ingest resumes from its sinks' checkpoints"),
      Map.entry("isolation.level", "ingest reads committed records only"),
      Map.entry("partition.assignment.strategy", "ingest needs incremental (cooperative) rebalancing"),
      Map.entry("key.deserializer", "ingest reads keys and values as bytes"),
      Map.entry("value.deserializer", "ingest reads keys and values as bytes"));

  /** The enricher's transactional producer. */
  public static final Map<String, String> PRODUCER_RESERVED = Map.ofEntries(
      Map.entry("bootstrap.servers", "set kafka.bootstrap.servers"),
      Map.entry("transaction.timeout.ms", "set enricher.transaction.timeout"),
      Map.entry("transactional.id", "each partition's transactions fence its previous owner by this id"),
      Map.entry("client.id", "Pulse names its clients after the partition"),
      Map.entry("enable.idempotence", "the enricher's exactly-once output needs it"),
      Map.entry("acks", "the enricher's exactly-once output needs acks=all"),
      Map.entry("max.in.flight.requests.per.connection",
          "more than one request in flight made the broker answer CONCURRENT_TRANSACTIONS (see the enricher)"),
      Map.entry("max.request.size", "a dead letter may be as large as anything the broker accepted"),
      Map.entry("key.serializer", "the enricher writes keys and values as bytes"),
      Map.entry("value.serializer", "the enricher writes keys and values as bytes"));

  private KafkaClientSettings() {
  }

  /** The settings under {@code ingest.consumer.}, checked. */
  public static Map<String, String> consumer(PulseConfig config) {
    return checked(config, "ingest.consumer.", "consumer", ConsumerConfig.configDef(), CONSUMER_RESERVED);
  }

  /** The settings under {@code enricher.producer.}, checked. */
  public static Map<String, String> producer(PulseConfig config) {
    return checked(config, "enricher.producer.", "producer", ProducerConfig.configDef(), PRODUCER_RESERVED);
  }

  private static Map<String, String> checked(PulseConfig config, String prefix, String client, ConfigDef def,
      Map<String, String> reserved) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : config.under(prefix).entrySet()) {
      String name = e.getKey();
      String key = prefix + name;
      ConfigDef.ConfigKey definition = def.configKeys().get(name);
      if (definition == null) {
        throw config.fail(key, "'" + name + "' is not a setting of the Kafka " + client);
      }
      String why = reserved.get(name);
      if (why != null) {
        throw config.fail(key, "Pulse sets the " + client + "'s '" + name + "' itself: " + why);
      }
      try {
        Object value = ConfigDef.parseType(name, e.getValue(), definition.type);
        if (definition.validator != null) {
          definition.validator.ensureValid(name, value);
        }
      } catch (org.apache.kafka.common.config.ConfigException bad) {
        throw config.fail(key, bad.getMessage());
      }
      settings.put(name, e.getValue());
    }
    return Collections.unmodifiableMap(settings);
  }
}
