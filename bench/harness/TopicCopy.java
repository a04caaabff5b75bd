package dev.pulse.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Gives a measurement its own copy of the preloaded input: the same records (partition, key, value, timestamp)
 * written the way {@code pulse produce} writes them (lz4, 256 KB batches), so every measurement reads the same data
 * in the same on-disk form while its own namespace keeps its groups, schema and outputs apart.
 */
final class TopicCopy {

  private TopicCopy() {
  }

  static Map<String, Object> producerConfig(String bootstrap, String clientId) {
    return Map.of("bootstrap.servers", bootstrap, "client.id", clientId, "acks", "all", "enable.idempotence", "true",
        "linger.ms", "10", "batch.size", String.valueOf(256 * 1024), "compression.type", "lz4");
  }

  /** Creates the topic and waits until every partition has a leader, so the first sends are not refused. */
  static void createTopic(Admin admin, String topic, int partitions) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS)
            .get(topic);
        if (d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leader() != null)) {
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(topic + " has no leader for every partition after 60 s");
      }
      Thread.sleep(50);
    }
  }

  static long copy(BenchContext ctx, String from, String to) throws Exception {
    createTopic(ctx.admin(), to, ctx.partitions());
    AtomicReference<Exception> failure = new AtomicReference<>();
    long n;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(ctx.bootstrap(), "bench-copy"),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      n = TopicReader.readAll(ctx.bootstrap(), from, r -> producer.send(
          new ProducerRecord<>(to, r.partition(), r.timestamp(), r.key(), r.value()), (md, e) -> {
            if (e != null) {
              failure.compareAndSet(null, e);
            }
          }));
      producer.flush();
    }
    if (failure.get() != null) {
      throw new ExecutionException("copying " + from + " to " + to + " failed", failure.get());
    }
    return n;
  }
}
