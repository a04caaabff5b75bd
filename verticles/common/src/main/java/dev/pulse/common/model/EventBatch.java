package dev.pulse.common.model;

import java.util.List;
import java.util.Objects;

/**
 * The valid events ingest read from one partition in one poll, in offset order.
 *
 * <p>{@code nextOffset} is the offset after the last record the batch covers, valid or not: once a sink
 * has made the batch durable, it may record {@code nextOffset} as its progress (invalid records in the
 * range went to the dead-letter topic before the batch was handed over). {@code watermark} and
 * {@code maxEventTime} are the partition's event-time state after the batch; a sink checkpoints them with
 * {@code nextOffset}. A batch with no events and a higher watermark is an idle partition's watermark moving on.
 * {@code deadLetters} carries the range's invalid records when a sink (the enricher) writes them to the
 * dead-letter topic in the same transaction as its own output; otherwise it is empty and ingest wrote them.
 */
public record EventBatch(PartitionId partition, long firstOffset, long nextOffset, List<ClickEvent> events,
    long watermark, long maxEventTime, List<DeadLetter> deadLetters) {

  public EventBatch {
    Objects.requireNonNull(partition, "partition");
    if (nextOffset < firstOffset) {
      throw new IllegalArgumentException("nextOffset " + nextOffset + " < firstOffset " + firstOffset);
    }
    events = List.copyOf(events);
    deadLetters = List.copyOf(deadLetters);
  }

  /** A batch whose invalid records, if any, are already in the dead-letter topic. */
  public EventBatch(PartitionId partition, long firstOffset, long nextOffset, List<ClickEvent> events,
      long watermark, long maxEventTime) {
    this(partition, firstOffset, nextOffset, events, watermark, maxEventTime, List.of());
  }
}
