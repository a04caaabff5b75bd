package dev.pulse.aggregator;

import static dev.pulse.common.bus.SinkEndpoints.NOT_OWNER;
import static dev.pulse.common.bus.SinkEndpoints.WRITE_FAILED;

import dev.pulse.aggregator.PartitionWindows.Checkpoint;
import dev.pulse.common.Addresses;
import dev.pulse.common.Sink;
import dev.pulse.common.bus.LocalRecords;
import dev.pulse.common.bus.PageViewUpdate;
import dev.pulse.common.bus.SinkEndpoints;
import dev.pulse.common.metrics.PipelineMetrics;
import dev.pulse.common.metrics.Problems;
import dev.pulse.common.model.ClickEvent;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.model.SinkProgress;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link PartitionWindows} for each partition the node's ingest owns and checkpoints them to
 * PostgreSQL every flush interval, each partition in one transaction with the offsets it covers.
 *
 * <p>Talks to ingest over the node-local event bus: {@code open} claims a partition and answers the checkpoint
 * to resume from, {@code batch} applies events (ingest has marked the late ones), {@code close} writes what is
 * left and lets go.
 * While checkpoints fail, batch replies are held back, so ingest pauses the partition instead of
 * piling up work the database cannot take.
 */
public final class AggregatorVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AggregatorVerticle.class);

  private static final String COMPONENT = Sink.AGGREGATOR.id();

  private final AggregatorOptions options;
  private final WindowStore store;
  private final Clock clock;
  private final String owner;
  private final PipelineMetrics metrics;

  private final Map<PartitionId, Slot> slots = new HashMap<>();
  private SinkEndpoints endpoints;
  private long timerId = -1;

  /** One owned partition. */
  private static final class Slot {
    final PartitionId partition;
    final PartitionWindows windows;
    final long epoch;
    Future<Void> currentFlush;
    int consecutiveFailures;
    long eventsSinceCheckpoint;
    long retryAt;
    final List<Message<EventBatch>> heldReplies = new ArrayList<>();
    /** Where the partition's results in PostgreSQL end: the claim's, then each successful checkpoint's. */
    SinkCheckpoint durable;

    Slot(PartitionId partition, PartitionWindows windows, long epoch, SinkCheckpoint durable) {
      this.partition = partition;
      this.windows = windows;
      this.epoch = epoch;
      this.durable = durable;
    }

    boolean flushing() {
      return currentFlush != null && !currentFlush.isComplete();
    }
  }

  public AggregatorVerticle(AggregatorOptions options, WindowStore store, Clock clock, String owner,
      PipelineMetrics metrics) {
    this.options = options;
    this.store = store;
    this.clock = clock;
    this.owner = owner;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    endpoints = SinkEndpoints.register(vertx, Sink.AGGREGATOR, this::onOpen, this::onBatch, this::onReset,
        this::onClose);
    return store.createSchema()
        .compose(v -> endpoints.ready())
        .onSuccess(v -> timerId = vertx.setPeriodic(options.flushInterval().toMillis(), id -> tick()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    List<Future<Void>> flushes = new ArrayList<>();
    for (Slot slot : new ArrayList<>(slots.values())) {
      flushes.add(flushFully(slot));
    }
    return Future.join(flushes).transform(ar -> {
      slots.clear();
      return endpoints.unregister();
    });
  }

  private void onOpen(Message<PartitionId> message) {
    PartitionId partition = message.body();
    boolean probe = "true".equals(message.headers().get(SinkEndpoints.PROBE));
    store.claim(partition, owner).onComplete(ar -> {
      Slot current = slots.get(partition);
      if (ar.failed() && current != null && probe && current.consecutiveFailures > 0) {
        // Asked whether it can write again (ingest left it out after ingest.sink.timeout) while its checkpoints
        // still fail: no. Answering yes would have ingest read the partition again from this checkpoint, only for
        // the batches to wait out the timeout once more, in a loop for as long as PostgreSQL is down.
        message.fail(WRITE_FAILED, "cannot claim " + partition + " and its checkpoints fail: "
            + ar.cause().getMessage());
        return;
      }
      if (ar.failed() && current != null) {
        // Opened again (ingest rewinds the partition to retry another sink) while PostgreSQL is away: the slot
        // is still this node's (its checkpoints are fenced by its epoch), so keep it and answer its durable
        // checkpoint. Failing would make ingest go on without the aggregator instead of waiting for PostgreSQL.
        LOG.warn("cannot claim {} again ({}); keeping its open windows (epoch {}), durable up to offset {}",
            partition, ar.cause().toString(), current.epoch, current.durable.nextOffset());
        message.reply(current.durable);
        return;
      }
      if (ar.failed()) {
        LOG.warn("cannot claim {}: {}", partition, ar.cause().toString());
        problems().report(Problems.Kind.SINK_OPEN_FAILED, COMPONENT, partition,
            "cannot claim the partition in PostgreSQL: " + ar.cause().getMessage());
        message.fail(WRITE_FAILED, "cannot claim " + partition + ": " + ar.cause().getMessage());
        return;
      }
      problems().clear(Problems.Kind.SINK_OPEN_FAILED, COMPONENT, partition);
      // The new slot starts from the durable checkpoint: the failed checkpoints of a slot it replaces no longer
      // matter, and nothing would ever clear their report (a replaced slot is not retried).
      problems().clear(Problems.Kind.SINK_WRITE_FAILED, COMPONENT, partition);
      WindowStore.Claim c = ar.result();
      PartitionWindows windows = PartitionWindows.restore(options.hllLgK(), c.nextOffset(), c.watermark(),
          c.maxEventTime(), c.lateEvents(), c.openPageCounts(), c.openPanes());
      Slot previous = slots.put(partition, new Slot(partition, windows, c.epoch(),
          new SinkCheckpoint(c.nextOffset(), c.watermark(), c.maxEventTime())));
      if (previous != null) {
        previous.heldReplies.forEach(m -> m.fail(NOT_OWNER, partition + " was reopened"));
      }
      LOG.info("claimed {} (epoch {}): resuming at offset {}, {} open page-view windows", partition, c.epoch(),
          c.nextOffset(), windows.openPageViewWindows());
      message.reply(new SinkCheckpoint(c.nextOffset(), c.watermark(), c.maxEventTime()));
    });
  }

  private void onBatch(Message<EventBatch> message) {
    EventBatch batch = message.body();
    Slot slot = slots.get(batch.partition());
    if (slot == null) {
      message.fail(NOT_OWNER, "partition " + batch.partition() + " is not open on this node");
      return;
    }
    PartitionWindows windows = slot.windows;
    long resumeAt = windows.nextOffset();
    for (ClickEvent e : batch.events()) {
      if (e.offset() < resumeAt) {
        continue; // already in the last checkpoint
      }
      if (e.late()) {
        windows.countLate();
      } else {
        windows.add(e.eventTimeMillis(), e.isPageView(), e.pageUrl(), e.userId());
      }
      slot.eventsSinceCheckpoint++;
    }
    if (batch.nextOffset() >= resumeAt) {
      windows.advanceWatermark(batch.watermark(), batch.maxEventTime());
    }
    windows.advanceOffset(batch.nextOffset());
    if (slot.consecutiveFailures > 0) {
      slot.heldReplies.add(message);
    } else {
      message.reply(null);
    }
  }

  /**
   * The input partition was recreated: its stored progress starts again at offset 0. The open windows, the
   * watermark and the results stay; ingest opens the partition again right after, with nothing in flight.
   */
  private void onReset(Message<PartitionId> message) {
    PartitionId partition = message.body();
    Slot slot = slots.remove(partition);
    if (slot == null) {
      message.fail(NOT_OWNER, "partition " + partition + " is not open on this node");
      return;
    }
    slot.heldReplies.forEach(m -> m.fail(NOT_OWNER, partition + " was reset"));
    store.resetOffset(partition, slot.epoch).onComplete(ar -> {
      if (ar.succeeded()) {
        LOG.warn("{}: progress reset to offset 0 (the input topic was recreated); stored windows are kept", partition);
        message.reply(new SinkCheckpoint(0, slot.windows.watermark(), slot.windows.maxEventTime()));
      } else {
        message.fail(WRITE_FAILED, "cannot reset " + partition + ": " + ar.cause().getMessage());
      }
    });
  }

  private void onClose(Message<PartitionId> message) {
    problems().clearPartition(COMPONENT, message.body());
    Slot slot = slots.get(message.body());
    if (slot == null) {
      message.reply(null);
      return;
    }
    flushFully(slot).onComplete(ar -> {
      if (slots.get(slot.partition) == slot) {
        slots.remove(slot.partition);
      }
      if (ar.succeeded()) {
        LOG.info("released {} at offset {}", slot.partition, slot.windows.nextOffset());
        message.reply(new SinkCheckpoint(slot.windows.nextOffset(), slot.windows.watermark(),
            slot.windows.maxEventTime()));
      } else {
        message.fail(WRITE_FAILED, "could not write " + slot.partition + " before release: " + ar.cause().getMessage());
      }
      slot.heldReplies.forEach(m -> m.fail(NOT_OWNER, slot.partition + " was released"));
    });
  }

  private Problems problems() {
    return metrics.problems();
  }

  private void tick() {
    long now = clock.millis();
    for (Slot slot : new ArrayList<>(slots.values())) {
      if (!slot.flushing() && slot.windows.hasChanges() && now >= slot.retryAt) {
        flush(slot);
      }
    }
  }

  /**
   * Tells dashboards on any node this partition's page counts as a checkpoint is taken, without waiting for
   * PostgreSQL's commit: the dashboard is live (a dashboard sums partitions, and each update carries absolute
   * counts, so a checkpoint that fails and is written again later shows the same numbers), and waiting for the
   * commit put the database's write time, a few hundred milliseconds under load, on every update.
   */
  private void publishPageCounts(PartitionId partition, Checkpoint cp) {
    if (!cp.pageCounts().isEmpty()) {
      PageViewUpdate update = PageViewUpdate.of(partition.topic(), partition.partition(), cp.pageCounts().size());
      for (PartitionWindows.PageCount pc : cp.pageCounts()) {
        update.add(pc.windowStart(), pc.pageUrl(), pc.count());
      }
      vertx.eventBus().publish(Addresses.WINDOW_UPDATES, update.toJson());
    }
  }

  /**
   * Tells dashboards on any node the active-user windows a checkpoint recomputed (merged over partitions in
   * PostgreSQL, so known only once it committed).
   */
  private void publishActiveUsers(List<ActiveUserWindows.Estimate> estimates) {
    if (!estimates.isEmpty()) {
      JsonArray rows = new JsonArray();
      for (ActiveUserWindows.Estimate e : estimates) {
        rows.add(new JsonObject().put("windowStart", e.windowStart()).put("windowEnd", e.windowEnd())
            .put("users", e.activeUsers()));
      }
      vertx.eventBus().publish(Addresses.WINDOW_UPDATES, new JsonObject().put("type", "activeUsers")
          .put("rows", rows));
    }
  }

  private Future<Void> flushFully(Slot slot) {
    Future<Void> current = slot.currentFlush == null ? Future.succeededFuture() : slot.currentFlush;
    return current.transform(ignored -> slot.windows.hasChanges() ? flush(slot) : current);
  }

  private Future<Void> flush(Slot slot) {
    Checkpoint cp = slot.windows.checkpoint();
    long events = slot.eventsSinceCheckpoint;
    slot.eventsSinceCheckpoint = 0;
    publishPageCounts(slot.partition, cp);
    Future<Void> f = store.write(slot.partition, slot.epoch, cp).transform(ar -> {
      if (ar.succeeded()) {
        metrics.sinkEvents(Sink.AGGREGATOR, events);
        publishActiveUsers(ar.result());
        slot.windows.evictFinal(cp);
        if (slot.consecutiveFailures > 0) {
          LOG.info("checkpoints of {} succeed again", slot.partition);
          problems().clear(Problems.Kind.SINK_WRITE_FAILED, COMPONENT, slot.partition);
        }
        slot.consecutiveFailures = 0;
        slot.durable = new SinkCheckpoint(cp.nextOffset(), cp.watermark(), cp.maxEventTime());
        slot.heldReplies.forEach(m -> m.reply(null));
        slot.heldReplies.clear();
        vertx.eventBus().publish(Addresses.SINK_PROGRESS,
            new SinkProgress(Sink.AGGREGATOR.id(), slot.partition, cp.nextOffset()), LocalRecords.LOCAL);
        return Future.<Void>succeededFuture();
      }
      if (ar.cause() instanceof FencedException) {
        LOG.warn("{}; dropping local state", ar.cause().getMessage());
        if (slots.get(slot.partition) == slot) {
          slots.remove(slot.partition);
        }
        slot.heldReplies.forEach(m -> m.fail(NOT_OWNER, ar.cause().getMessage()));
        slot.heldReplies.clear();
        return Future.<Void>failedFuture(ar.cause());
      }
      if (slots.get(slot.partition) != slot) {
        // Replaced (reopened) or released meanwhile: its successor reports for the partition.
        LOG.info("checkpoint of a replaced slot of {} failed: {}", slot.partition, ar.cause().toString());
        return Future.<Void>failedFuture(ar.cause());
      }
      slot.windows.checkpointFailed(cp);
      slot.eventsSinceCheckpoint += events;
      slot.consecutiveFailures++;
      long backoff = Math.min(10_000L, 100L << Math.min(slot.consecutiveFailures, 7));
      slot.retryAt = clock.millis() + backoff;
      LOG.warn("checkpoint of {} failed ({} in a row), retrying in {} ms: {}", slot.partition,
          slot.consecutiveFailures, backoff, ar.cause().toString());
      problems().report(Problems.Kind.SINK_WRITE_FAILED, COMPONENT, slot.partition, "checkpoint to PostgreSQL failed ("
          + slot.consecutiveFailures + " in a row, retrying; the partition's batches wait meanwhile): "
          + ar.cause().getMessage());
      return Future.<Void>failedFuture(ar.cause());
    });
    slot.currentFlush = f;
    return f;
  }
}
