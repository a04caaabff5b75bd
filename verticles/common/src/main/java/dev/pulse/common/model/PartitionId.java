package dev.pulse.common.model;

import java.util.Objects;

/** A Kafka topic partition, independent of any client library. */
public record PartitionId(String topic, int partition) implements Comparable<PartitionId> {

  public PartitionId {
    Objects.requireNonNull(topic, "topic");
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0: " + partition);
    }
  }

  @Override
  public int compareTo(PartitionId o) {
    int c = topic.compareTo(o.topic);
    return c != 0 ? c : Integer.compare(partition, o.partition);
  }

  @Override
  public String toString() {
    return topic + "-" + partition;
  }
}
