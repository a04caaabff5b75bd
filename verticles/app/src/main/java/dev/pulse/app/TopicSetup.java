package dev.pulse.app;

import dev.pulse.common.Topics;
import dev.pulse.common.model.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates Pulse's topics when they are missing. Blocking: call it off the event loop. */
public final class TopicSetup {

  private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
  /** Dead-lettered records keep their original size (up to the broker's 1 MB default) and gain headers. */
  static final String DLQ_MAX_MESSAGE_BYTES = String.valueOf(DeadLetter.MAX_RECORD_BYTES);
  private static final String MAX_MESSAGE_BYTES = "max.message.bytes";

  private TopicSetup() {
  }

  /**
   * Whether the brokers run the KIP-848 group coordinator (feature {@code group.version} >= 1, Kafka 4.0+),
   * so consumers can use the incremental, broker-driven {@code consumer} rebalance protocol.
   */
  public static boolean supportsConsumerGroupProtocol(String bootstrapServers) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers,
        "default.api.timeout.ms", 60_000))) {
      var finalized = admin.describeFeatures().featureMetadata().get(60, TimeUnit.SECONDS).finalizedFeatures();
      var group = finalized.get("group.version");
      return group != null && group.maxVersionLevel() >= 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking the brokers for their features", e);
    } catch (Exception e) {
      LOG.warn("cannot read the brokers' features ({}); using the classic group protocol", e.toString());
      return false;
    }
  }

  public static void ensure(String bootstrapServers, Topics topics, int partitions, short replicationFactor) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers,
        "default.api.timeout.ms", 60_000))) {
      Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String topic : topics.all()) {
        if (!existing.contains(topic)) {
          NewTopic t = new NewTopic(topic, partitions, replicationFactor);
          if (topic.equals(topics.deadLetter())) {
            t.configs(Map.of("max.message.bytes", DLQ_MAX_MESSAGE_BYTES));
          }
          missing.add(t);
        }
      }
      for (NewTopic t : missing) {
        try {
          admin.createTopics(List.of(t)).all().get(60, TimeUnit.SECONDS);
          LOG.info("created topic {} ({} partitions)", t.name(), t.numPartitions());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      TopicDescription input = describe(admin, topics.input());
      checkDeadLettersFit(admin, topics);
      if (input.partitions().size() != partitions) {
        LOG.warn("topic {} has {} partitions, config says {}: the existing topic wins", topics.input(),
            input.partitions().size(), partitions);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (DeadLettersDoNotFitException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot create Pulse's topics on " + bootstrapServers + ": " + e, e);
    }
  }

  /**
   * A topic just created can be unknown to the broker that answers for a moment (its metadata has not reached it
   * yet): the node would fail to start for nothing, so ask again for a while.
   */
  private static TopicDescription describe(Admin admin, String topic) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
  }

  /** The input topic takes records whose dead-lettered copies Pulse could not write. */
  static final class DeadLettersDoNotFitException extends IllegalStateException {
    DeadLettersDoNotFitException(String message) {
      super(message);
    }
  }

  /**
   * Refuses an input topic that takes records larger than a dead letter may be: such a record, invalid by size,
   * could never be dead-lettered, and its partition would retry it for ever.
   */
  private static void checkDeadLettersFit(Admin admin, Topics topics) throws Exception {
    ConfigResource input = new ConfigResource(ConfigResource.Type.TOPIC, topics.input());
    ConfigResource dlq = new ConfigResource(ConfigResource.Type.TOPIC, topics.deadLetter());
    Map<ConfigResource, Config> configs = null;
    for (int attempt = 1; configs == null; attempt++) {
      try {
        configs = admin.describeConfigs(List.of(input, dlq)).all().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        // a topic just created is known to the broker a moment later
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || attempt == 300) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
    long inputMax = Long.parseLong(configs.get(input).get(MAX_MESSAGE_BYTES).value());
    long dlqMax = Math.min(DeadLetter.MAX_RECORD_BYTES, Long.parseLong(configs.get(dlq).get(MAX_MESSAGE_BYTES).value()));
    long fits = dlqMax - DeadLetter.HEADER_ROOM;
    if (inputMax > fits) {
      throw new DeadLettersDoNotFitException("topic " + topics.input() + " takes records of up to " + inputMax
          + " bytes (" + MAX_MESSAGE_BYTES + "), but a dead-lettered copy of one, with Pulse's headers, must fit in "
          + dlqMax + " bytes: set " + MAX_MESSAGE_BYTES + " of " + topics.input() + " to at most " + fits
          + " (kafka-configs.sh --alter --entity-type topics --entity-name " + topics.input() + " --add-config "
          + MAX_MESSAGE_BYTES + "=" + fits + ")");
    }
  }
}
