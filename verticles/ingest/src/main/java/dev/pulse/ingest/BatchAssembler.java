package dev.pulse.ingest;

import dev.pulse.common.model.ClickEvent;
import dev.pulse.common.model.DeadLetter;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.time.WatermarkTracker;
import dev.pulse.ingest.EventParser.Invalid;
import dev.pulse.ingest.EventParser.Result;
import dev.pulse.ingest.EventParser.Valid;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns a run of one partition's records, in offset order, into the batch its sinks get: each record parsed,
 * each valid event marked late or not by the partition's watermark, each invalid one made into a dead letter.
 * A record that makes the parser throw is dead-lettered alone ({@code processing_error}). Plain Java: no
 * Vert.x, no broker, no clock (the caller passes the time), so it is tested on its own; one per run of records.
 */
final class BatchAssembler {

  /** How a record becomes an event or a refusal: {@link EventParser#parse}. */
  @FunctionalInterface
  interface RecordParser {
    Result parse(byte[] value, long offset, String derivedIdPrefix, long ingestTimeMillis);
  }

  private final RecordParser parser;
  private final WatermarkTracker tracker;
  private final PartitionId partition;
  private final String idPrefix;
  private final long now;
  private final List<ClickEvent> valid;
  private final List<DeadLetter> deadLetters = new ArrayList<>();
  private final List<Invalid> reasons = new ArrayList<>();
  private int late;
  private long firstOffset = -1;
  private long nextOffset = -1;

  BatchAssembler(RecordParser parser, WatermarkTracker tracker, PartitionId partition, long now, int expected) {
    this.parser = parser;
    this.tracker = tracker;
    this.partition = partition;
    this.idPrefix = partition + "-";
    this.now = now;
    this.valid = new ArrayList<>(expected);
  }

  /**
   * Takes the next record.
   *
   * @return the reason it was refused, or null if it is a valid event
   */
  Invalid add(ConsumerRecord<byte[], byte[]> rec) {
    if (firstOffset < 0) {
      firstOffset = rec.offset();
    }
    nextOffset = rec.offset() + 1;
    Result result;
    try {
      result = parser.parse(rec.value(), rec.offset(), idPrefix, now);
    } catch (RuntimeException e) {
      // A defect in Pulse; it costs this record, never its neighbours.
      result = new Invalid(EventParser.Reason.PROCESSING_ERROR, "parsing the record failed: " + e);
    }
    if (result instanceof Valid v) {
      boolean isLate = tracker.observe(v.event().eventTimeMillis(), now);
      valid.add(v.event().withLate(isLate));
      if (isLate) {
        late++;
      }
      return null;
    }
    Invalid invalid = (Invalid) result;
    deadLetters.add(DeadLetters.of(rec, invalid));
    reasons.add(invalid);
    return invalid;
  }

  /** The valid events so far, in offset order. */
  List<ClickEvent> valid() {
    return valid;
  }

  /** The dead letters so far, in offset order. */
  List<DeadLetter> deadLetters() {
    return deadLetters;
  }

  /** Why each dead letter was refused, in the same order. */
  List<Invalid> reasons() {
    return reasons;
  }

  int late() {
    return late;
  }

  /**
   * The batch of every record taken, carrying the partition's watermark after them.
   *
   * @param withDeadLetters whether the batch carries the dead letters to a sink that writes them (the enricher)
   */
  EventBatch batch(boolean withDeadLetters) {
    if (firstOffset < 0) {
      throw new IllegalStateException("no record taken");
    }
    return new EventBatch(partition, firstOffset, nextOffset, valid, tracker.watermark(), tracker.maxEventTime(),
        withDeadLetters ? deadLetters : List.of());
  }
}
