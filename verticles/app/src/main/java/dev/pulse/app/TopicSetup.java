package dev.pulse.app;

import dev.pulse.common.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates Pulse's topics when they are missing. Blocking: call it off the event loop. */
public final class TopicSetup {

  private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
  /** Dead-lettered records keep their original size (up to the broker's 1 MB default) and gain headers. */
  static final String DLQ_MAX_MESSAGE_BYTES = String.valueOf(2 * 1024 * 1024);

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
      if (input.partitions().size() != partitions) {
        LOG.warn("topic {} has {} partitions, config says {}: the existing topic wins", topics.input(),
            input.partitions().size(), partitions);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
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
}
