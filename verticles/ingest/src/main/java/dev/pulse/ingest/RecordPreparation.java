package dev.pulse.ingest;

import dev.pulse.common.metrics.PipelineMetrics;
import dev.pulse.common.model.DeadLetter;
import dev.pulse.common.model.EventBatch;
import dev.pulse.ingest.EventParser.Invalid;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest's hot path: one run of a partition's records becomes a batch. Each record is parsed and checked
 * ({@link BatchAssembler}), late events are marked, invalid records are dead-lettered; the batch completes once
 * the dead-letter topic has acknowledged them (or at once, when the enricher writes them in its transaction).
 * Parsing yields the event loop every {@link #SLICE_NANOS}: a poll's worth of hostile records (deep nesting,
 * oversized values, malformed JSON, each costing an exception) takes far longer than an event loop may be held.
 */
final class RecordPreparation {

  /** Sends one dead letter to the dead-letter topic; completes when the broker has it. */
  interface DeadLetterSender {
    Future<?> send(DeadLetter letter);
  }

  static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /** Bytes of valid records parsed between two looks at the clock (well under a millisecond of parsing). */
  static final int CLOCK_BYTES = 32 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(RecordPreparation.class);

  private final Context context;
  private final PartitionState st;
  private final long gen;
  private final List<ConsumerRecord<byte[], byte[]>> records;
  private final Clock clock;
  private final PipelineMetrics metrics;
  private final DeadLetterLog deadLetterLog;
  private final DeadLetterSender sender;
  private final BatchAssembler assembler;
  private final List<Future<?>> deadLettered = new ArrayList<>();
  private final Promise<EventBatch> done = Promise.promise();
  private int next;

  private RecordPreparation(Context context, EventParser parser, PartitionState st, long gen,
      List<ConsumerRecord<byte[], byte[]>> records, Clock clock, PipelineMetrics metrics, DeadLetterLog deadLetterLog,
      DeadLetterSender sender) {
    this.context = context;
    this.st = st;
    this.gen = gen;
    this.records = records;
    this.clock = clock;
    this.metrics = metrics;
    this.deadLetterLog = deadLetterLog;
    this.sender = sender;
    this.assembler = new BatchAssembler(parser::parse, st.tracker, st.id, clock.millis(), records.size());
  }

  /**
   * Prepares {@code records} of partition generation {@code gen} on {@code context}'s event loop.
   *
   * @param sender null when the enricher writes the dead letters (they then travel in the batch)
   */
  static Future<EventBatch> prepare(Context context, EventParser parser, PartitionState st, long gen,
      List<ConsumerRecord<byte[], byte[]>> records, Clock clock, PipelineMetrics metrics, DeadLetterLog deadLetterLog,
      DeadLetterSender sender) {
    RecordPreparation p = new RecordPreparation(context, parser, st, gen, records, clock, metrics, deadLetterLog,
        sender);
    p.parseSlice();
    return p.done.future();
  }

  private void parseSlice() {
    if (gen != st.generation) {
      // rewound or revoked between slices: the records will be read again; the watermark must not see them twice
      done.fail(new IllegalStateException(st.id + " changed hands while its records were parsed"));
      return;
    }
    long sliceEnd = System.nanoTime() + SLICE_NANOS;
    int bytesSinceClock = 0;
    try {
      while (next < records.size()) {
        ConsumerRecord<byte[], byte[]> rec = records.get(next++);
        boolean refused = take(rec);
        bytesSinceClock += rec.value() == null ? 0 : rec.value().length;
        // The clock is read after a refused record (an exception may have been thrown: slow) and every
        // CLOCK_BYTES: reading it after each of a million small events a second cost more than parsing some.
        if (next < records.size() && (refused || bytesSinceClock >= CLOCK_BYTES)) {
          bytesSinceClock = 0;
          if (System.nanoTime() - sliceEnd > 0) {
            context.runOnContext(v -> parseSlice());
            return;
          }
        }
      }
      finish();
    } catch (RuntimeException e) {
      done.tryFail(e); // a defect outside any one record: retried from the durable state
    }
  }

  /** @return whether the record was refused */
  private boolean take(ConsumerRecord<byte[], byte[]> rec) {
    int lateBefore = assembler.late();
    Invalid invalid = assembler.add(rec);
    if (invalid == null) {
      if (assembler.late() > lateBefore) {
        metrics.lateEvents(1);
      }
      return false;
    }
    if (invalid.reason() == EventParser.Reason.PROCESSING_ERROR) {
      LOG.error("{}: parsing the record at offset {} threw; dead-lettered it: {}", st.id, rec.offset(),
          invalid.detail());
    }
    metrics.deadLettered(invalid.code());
    deadLetterLog.record(invalid.code(), invalid.detail());
    if (sender != null) {
      List<DeadLetter> letters = assembler.deadLetters();
      deadLettered.add(sender.send(letters.get(letters.size() - 1)));
    }
    return true;
  }

  private void finish() {
    metrics.validEvents(assembler.valid().size());
    if (!assembler.valid().isEmpty()) {
      st.lastEventAt = clock.millis();
    }
    EventBatch batch = assembler.batch(sender == null);
    if (deadLettered.isEmpty()) {
      done.complete(batch);
    } else {
      Future.all(deadLettered).map(batch).onComplete(done);
    }
  }
}
