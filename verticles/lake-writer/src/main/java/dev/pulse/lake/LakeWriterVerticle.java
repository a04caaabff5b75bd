package dev.pulse.lake;

import static dev.pulse.common.bus.SinkEndpoints.NOT_OWNER;
import static dev.pulse.common.bus.SinkEndpoints.WRITE_FAILED;

import dev.pulse.common.Addresses;
import dev.pulse.common.CrashPoints;
import dev.pulse.common.Sink;
import dev.pulse.common.bus.LocalRecords;
import dev.pulse.common.bus.SinkEndpoints;
import dev.pulse.common.metrics.PipelineMetrics;
import dev.pulse.common.metrics.Problems;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.model.SinkProgress;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every valid event of the partitions the node's ingest owns into the Parquet lake. Deploy it as a
 * worker verticle: Parquet encoding and file I/O block, and here they block a worker thread, never an event
 * loop. Messages are handled one at a time, in order.
 *
 * <p>A batch is acknowledged once it is in the open roll; the lake's progress (reported to ingest) moves
 * only when a roll is committed. After a crash the partition resumes at the end of its last committed roll.
 * A partition whose writing failed (a full disk, say) answers every further batch with the failure, which
 * makes ingest leave the lake out of that partition and retry it later from the last roll; the failure shows
 * in {@code /health} until a roll commits again.
 */
public final class LakeWriterVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(LakeWriterVerticle.class);
  private static final String COMPONENT = Sink.LAKE_WRITER.id();

  private final LakeOptions options;
  private final Clock clock;
  private final PipelineMetrics metrics;
  private final LakeFence fence;
  private final String owner;
  private final Map<PartitionId, PartitionLakeWriter> writers = new HashMap<>();
  private final Map<PartitionId, Long> epochs = new HashMap<>();
  /** Partitions whose writer failed, with why; cleared when ingest opens them again. */
  private final Map<PartitionId, String> failed = new HashMap<>();
  private SinkEndpoints endpoints;
  private long timerId = -1;

  public LakeWriterVerticle(LakeOptions options, LakeFence fence, String owner, Clock clock,
      PipelineMetrics metrics) {
    this.options = options;
    this.fence = fence;
    this.owner = owner;
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() throws IOException {
    Files.createDirectories(options.dir());
    fence.createSchema();
    endpoints = SinkEndpoints.register(vertx, Sink.LAKE_WRITER, this::onOpen, this::onBatch, this::onReset,
        this::onClose);
    long tick = Math.max(50, Math.min(1_000, options.rollInterval().toMillis() / 4));
    timerId = vertx.setPeriodic(tick, id -> rollDue());
    return endpoints.ready();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    for (Map.Entry<PartitionId, PartitionLakeWriter> e : new ArrayList<>(writers.entrySet())) {
      roll(e.getKey(), e.getValue());
    }
    writers.clear();
    return endpoints.unregister();
  }

  private void onOpen(Message<PartitionId> message) {
    PartitionId partition = message.body();
    PartitionLakeWriter previous = writers.remove(partition);
    if (previous != null) {
      previous.abandon();
    }
    failed.remove(partition);
    try {
      // Claim first: from now on a previous owner commits nothing, so the files seen next are final.
      long epoch = fence.claim(partition, owner);
      epochs.put(partition, epoch);
      LakeIndex.Resume resume = LakeIndex.resumeState(options.dir(), partition.partition());
      writers.put(partition, new PartitionLakeWriter(options.dir(), partition.partition(), options,
          resume.checkpoint(), resume.generation()));
      problems().clear(Problems.Kind.SINK_OPEN_FAILED, COMPONENT, partition);
      LOG.info("lake: {} resumes at offset {}", partition, resume.checkpoint().nextOffset());
      message.reply(resume.checkpoint());
    } catch (RuntimeException e) {
      LOG.warn("lake: cannot open {}: {}", partition, e.toString());
      problems().report(Problems.Kind.SINK_OPEN_FAILED, COMPONENT, partition, "cannot open the partition in the "
          + "lake: " + e.getMessage());
      message.fail(WRITE_FAILED, "cannot open " + partition + " in the lake: " + e.getMessage());
    }
  }

  /**
   * The input partition was recreated: the lake starts the partition's next generation at offset 0. Files
   * already written stay; the new ones carry the generation in their names.
   */
  private void onReset(Message<PartitionId> message) {
    PartitionId partition = message.body();
    PartitionLakeWriter writer = writers.remove(partition);
    if (writer == null) {
      message.fail(NOT_OWNER, "partition " + partition + " is not open in the lake writer");
      return;
    }
    writer.abandon();
    try {
      long epoch = epochs.getOrDefault(partition, -1L);
      LakeIndex.Resume reset = fence.whileOwner(partition, epoch, () -> LakeIndex.reset(options.dir(),
          partition.partition()));
      LOG.warn("lake: {} starts generation {} at offset 0 (the input topic was recreated); earlier files are kept",
          partition, reset.generation());
      message.reply(reset.checkpoint());
    } catch (Exception e) {
      message.fail(e instanceof LakeFence.FencedException ? NOT_OWNER : WRITE_FAILED, "cannot reset " + partition
          + " in the lake: " + e.getMessage());
    }
  }

  private void onBatch(Message<EventBatch> message) {
    EventBatch batch = message.body();
    String failure = failed.get(batch.partition());
    if (failure != null) {
      message.fail(WRITE_FAILED, "the lake cannot write " + batch.partition() + ": " + failure);
      return;
    }
    PartitionLakeWriter writer = writers.get(batch.partition());
    if (writer == null) {
      message.fail(NOT_OWNER, "partition " + batch.partition() + " is not open in the lake writer");
      return;
    }
    try {
      long now = clock.millis();
      writer.append(batch, now);
      if (writer.bufferedBytes() >= options.rollBytes()) {
        commit(batch.partition(), writer);
      }
      message.reply(null);
    } catch (Exception e) {
      writers.remove(batch.partition());
      writer.abandon();
      if (e instanceof LakeFence.FencedException) {
        message.fail(NOT_OWNER, "lake write failed: " + e.getMessage());
        return;
      }
      writeFailed(batch.partition(), e);
      message.fail(WRITE_FAILED, "lake write failed: " + describe(e));
    }
  }

  /** Remembers and reports why a partition cannot be written; its open roll is gone, its last roll stands. */
  private void writeFailed(PartitionId partition, Exception e) {
    String reason = describe(e);
    failed.put(partition, reason);
    LOG.warn("lake: writing {} failed, it starts again from its last roll when ingest retries: {}", partition, reason);
    problems().report(Problems.Kind.SINK_WRITE_FAILED, COMPONENT, partition, "cannot write the lake at "
        + options.dir().toAbsolutePath() + ": " + reason);
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private Problems problems() {
    return metrics.problems();
  }

  private void onClose(Message<PartitionId> message) {
    failed.remove(message.body());
    problems().clearPartition(COMPONENT, message.body());
    PartitionLakeWriter writer = writers.remove(message.body());
    if (writer == null) {
      message.reply(null);
      return;
    }
    CrashPoints.reached(CrashPoints.LAKE_CLOSE);
    SinkCheckpoint done = roll(message.body(), writer);
    if (done == null) {
      message.fail(WRITE_FAILED, "could not commit the last roll of " + message.body());
    } else {
      message.reply(done);
    }
  }

  private void rollDue() {
    long now = clock.millis();
    for (Map.Entry<PartitionId, PartitionLakeWriter> e : new ArrayList<>(writers.entrySet())) {
      PartitionLakeWriter w = e.getValue();
      if (w.dueForRoll(now) || w.dueForProgressOnly(now)) {
        try {
          commit(e.getKey(), w);
        } catch (Exception ex) {
          writers.remove(e.getKey());
          w.abandon();
          if (ex instanceof LakeFence.FencedException) {
            LOG.warn("lake: {}", ex.getMessage());
          } else {
            writeFailed(e.getKey(), ex);
          }
        }
      }
    }
  }

  private void commit(PartitionId partition, PartitionLakeWriter writer) throws Exception {
    long epoch = epochs.getOrDefault(partition, -1L);
    // Encoding the last row groups and the fsyncs take up to seconds: done before the fence's transaction, which
    // then only holds the partition's owner row for the renames. A node frozen or cut off inside that transaction
    // holds the row until PostgreSQL ends its session (pg.idle.transaction.timeout), and the node taking the
    // partition over waits for it.
    try {
      writer.seal();
    } catch (IOException e) {
      // A new owner's resume removes the hidden files of the partition's earlier owners: when that is why, this
      // node lost the partition (FencedException), and nothing failed to write.
      fence.whileOwner(partition, epoch, () -> {
        throw e;
      });
    }
    SinkCheckpoint cp = fence.whileOwner(partition, epoch, () -> {
      SinkCheckpoint rolled = writer.roll(clock.millis());
      // Counted once the files are renamed into place: they are in the lake even if the fence's own
      // transaction fails to commit after this.
      metrics.sinkEvents(Sink.LAKE_WRITER, writer.lastRolledRows());
      return rolled;
    });
    problems().clear(Problems.Kind.SINK_WRITE_FAILED, COMPONENT, partition);
    vertx.eventBus().publish(Addresses.SINK_PROGRESS, new SinkProgress(Sink.LAKE_WRITER.id(), partition,
        cp.nextOffset()), LocalRecords.LOCAL);
  }

  /** Commits the open roll; on failure abandons it and answers null. */
  private SinkCheckpoint roll(PartitionId partition, PartitionLakeWriter writer) {
    try {
      commit(partition, writer);
      return writer.checkpoint();
    } catch (Exception e) {
      LOG.warn("lake: committing {} failed: {}", partition, e.toString());
      writer.abandon();
      return null;
    }
  }
}
