package dev.pulse.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads every committed record of a topic once, from the start to the end it has when reading begins. */
final class TopicReader {

  private TopicReader() {
  }

  static long readAll(String bootstrap, String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Map<String, Object> config = Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed",
        "enable.auto.commit", "false", "max.poll.records", "5000", "fetch.max.bytes", String.valueOf(64 << 20),
        "max.partition.fetch.bytes", String.valueOf(8 << 20));
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : c.partitionsFor(topic, Duration.ofSeconds(30))) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(partitions));
      long n = 0;
      long idleSince = System.nanoTime();
      while (!caughtUp(c, end)) {
        var records = c.poll(Duration.ofMillis(500));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          each.accept(r);
          n++;
        }
        if (!records.isEmpty()) {
          idleSince = System.nanoTime();
        } else if (System.nanoTime() - idleSince > Duration.ofSeconds(60).toNanos()) {
          throw new IllegalStateException("reading " + topic + " stalled at " + n + " records");
        }
      }
      return n;
    }
  }

  private static boolean caughtUp(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (c.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
