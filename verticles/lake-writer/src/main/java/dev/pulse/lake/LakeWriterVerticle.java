package dev.pulse.lake;

import dev.pulse.common.Addresses;
import dev.pulse.common.Sink;
import dev.pulse.common.bus.LocalRecords;
import dev.pulse.common.bus.SinkEndpoints;
import dev.pulse.common.metrics.PipelineMetrics;
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
 */
public final class LakeWriterVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(LakeWriterVerticle.class);
  public static final int NOT_OWNER = 409;
  public static final int WRITE_FAILED = 503;

  private final LakeOptions options;
  private final Clock clock;
  private final PipelineMetrics metrics;
  private final LakeFence fence;
  private final String owner;
  private final Map<PartitionId, PartitionLakeWriter> writers = new HashMap<>();
  private final Map<PartitionId, Long> epochs = new HashMap<>();
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
    endpoints = SinkEndpoints.register(vertx, Sink.LAKE_WRITER, this::onOpen, this::onBatch, this::onClose);
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
    try {
      // Claim first: from now on a previous owner commits nothing, so the files seen next are final.
      long epoch = fence.claim(partition, owner);
      epochs.put(partition, epoch);
      SinkCheckpoint resume = LakeIndex.resume(options.dir(), partition.partition());
      writers.put(partition, new PartitionLakeWriter(options.dir(), partition.partition(), options, resume));
      LOG.info("lake: {} resumes at offset {}", partition, resume.nextOffset());
      message.reply(resume);
    } catch (RuntimeException e) {
      LOG.warn("lake: cannot open {}: {}", partition, e.toString());
      message.fail(WRITE_FAILED, "cannot open " + partition + " in the lake: " + e.getMessage());
    }
  }

  private void onBatch(Message<EventBatch> message) {
    EventBatch batch = message.body();
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
      LOG.warn("lake: writing {} failed, the partition starts again from its last roll: {}", batch.partition(),
          e.toString());
      writer.abandon();
      writers.remove(batch.partition());
      message.fail(e instanceof LakeFence.FencedException ? NOT_OWNER : WRITE_FAILED,
          "lake write failed: " + e.getMessage());
    }
  }

  private void onClose(Message<PartitionId> message) {
    PartitionLakeWriter writer = writers.remove(message.body());
    if (writer == null) {
      message.reply(null);
      return;
    }
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
        if (roll(e.getKey(), w) == null) {
          writers.remove(e.getKey());
        }
      }
    }
  }

  private void commit(PartitionId partition, PartitionLakeWriter writer) throws Exception {
    long epoch = epochs.getOrDefault(partition, -1L);
    SinkCheckpoint cp = fence.whileOwner(partition, epoch, () -> writer.roll(clock.millis()));
    metrics.sinkEvents(Sink.LAKE_WRITER, writer.lastRolledRows());
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
