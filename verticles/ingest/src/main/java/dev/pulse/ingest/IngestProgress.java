package dev.pulse.ingest;

import dev.pulse.common.Sink;
import dev.pulse.common.Topics;
import dev.pulse.common.config.WatermarkOptions;
import dev.pulse.common.metrics.PipelineMetrics;
import dev.pulse.common.metrics.Problems;
import dev.pulse.common.model.DeadLetter;
import dev.pulse.common.model.PartitionId;
import io.vertx.core.Future;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What ingest reports about its partitions every progress interval, on the verticle's event loop: the Kafka
 * commit (the offset every sink has made durable), lag, partitions stalled by backpressure, the read rate and
 * the dead letters of the last ten seconds; and which caught-up partitions have been silent long enough for their
 * watermark to follow the clock.
 */
final class IngestProgress {

  private static final Logger LOG = LoggerFactory.getLogger(IngestProgress.class);
  private static final String COMPONENT = IngestVerticle.COMPONENT;

  private final IngestOptions options;
  private final WatermarkOptions watermarks;
  private final Topics topics;
  private final List<Sink> sinks;
  private final Clock clock;
  private final PipelineMetrics metrics;
  private final DeadLetterLog deadLetterLog;
  private final Map<PartitionId, PartitionState> partitions;
  private final GroupConsumer consumer;
  private final Consumer<PartitionState> idle;
  private long lastLogAt;
  private long lastLogRead;

  /**
   * @param partitions the verticle's partitions, read here
   * @param idle       given a caught-up partition whose watermark has just been moved to the clock
   */
  IngestProgress(IngestOptions options, WatermarkOptions watermarks, Topics topics, List<Sink> sinks, Clock clock,
      PipelineMetrics metrics, DeadLetterLog deadLetterLog, Map<PartitionId, PartitionState> partitions,
      GroupConsumer consumer, Consumer<PartitionState> idle) {
    this.options = options;
    this.watermarks = watermarks;
    this.topics = topics;
    this.sinks = sinks;
    this.clock = clock;
    this.metrics = metrics;
    this.deadLetterLog = deadLetterLog;
    this.partitions = partitions;
    this.consumer = consumer;
    this.idle = idle;
  }

  Future<Void> commitDurable() {
    return commitDurable(partitions.values());
  }

  /** Commits to Kafka, for the group's tools and lag, the offset up to which every sink is durable. */
  Future<Void> commitDurable(Collection<PartitionState> states) {
    Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
    Map<TopicPartition, PartitionState> byPartition = new HashMap<>();
    for (PartitionState st : states) {
      if (st.durable.keySet().containsAll(sinks.stream().map(Sink::id).toList())) {
        long min = st.durable.values().stream().mapToLong(Long::longValue).min().orElse(0);
        if (min > st.committed) {
          commits.put(st.tp, new OffsetAndMetadata(min, ""));
          byPartition.put(st.tp, st);
        }
      }
    }
    if (commits.isEmpty()) {
      return Future.succeededFuture();
    }
    return consumer.commit(commits)
        .onSuccess(done -> commits.forEach((tp, om) -> {
          PartitionState st = byPartition.get(tp);
          st.committed = Math.max(st.committed, om.getOffset());
        }))
        .onFailure(e -> LOG.debug("commit failed (a rebalance may be under way): {}", e.toString()))
        .mapEmpty();
  }

  /** Lag per partition and sink, and the idle watermark of partitions that are caught up and silent. */
  void measureLag() {
    Set<TopicPartition> owned = new HashSet<>();
    // Every assigned partition, also one that is not processed now: that is when its lag matters most.
    partitions.values().stream().filter(s -> s.assigned).forEach(s -> owned.add(s.tp));
    if (owned.isEmpty()) {
      return;
    }
    consumer.endOffsets(owned).onSuccess(ends -> ends.forEach((tp, end) -> {
      PartitionState st = partitions.get(new PartitionId(tp.getTopic(), tp.getPartition()));
      if (st == null || !st.assigned) {
        return;
      }
      // What a crash now would read again: from the oldest durable sink checkpoint to the end of the log.
      // A refused partition (its log restarted below the checkpoints) has every record of the log ahead of it.
      long durable = st.refused != null ? 0
          : sinks.stream().mapToLong(s -> st.durable.getOrDefault(s.id(), 0L)).min().orElse(0);
      metrics.lag(st.id, Math.max(0, end - durable));
      for (Sink s : sinks) {
        metrics.sinkLag(s, st.id, Math.max(0, end - (st.refused != null ? 0 : st.durable.getOrDefault(s.id(), 0L))));
      }
      consumer.position(tp).onSuccess(position -> {
        // Caught up: every record fetched and taken by the sinks.
        long behind = Math.max(0, end - position) + Math.max(0, st.nextToHandOver - st.acceptedUpTo);
        long now = clock.millis();
        if (behind == 0 && st.inflight == 0 && st.accepting
            && now - st.lastEventAt >= watermarks.idleTimeout().toMillis()
            && st.tracker.advanceTo(now - watermarks.allowedLateness().toMillis())) {
          idle.accept(st);
        }
      });
    }));
  }

  void reportStalls(long now) {
    Problems problems = metrics.problems();
    for (PartitionState st : partitions.values()) {
      if (st.pausedForBackpressure && st.pausedSince >= 0 && now - st.pausedSince >= options.stallTimeout().toMillis()) {
        List<String> waitingOn = st.outstanding.entrySet().stream().filter(e -> e.getValue() > 0)
            .map(e -> e.getKey().id()).toList();
        String reason = "paused for " + (now - st.pausedSince) / 1000 + " s: the sinks hold " + st.inflight
            + " batches they have not taken" + (waitingOn.isEmpty() ? "" : " (waiting on " + String.join(", ",
            waitingOn) + ")");
        if (!problems.isOpen(Problems.Kind.PARTITION_STALLED, COMPONENT, st.id)) {
          LOG.warn("{}: {}", st.id, reason);
        }
        problems.report(Problems.Kind.PARTITION_STALLED, COMPONENT, st.id, reason);
      }
    }
  }

  /** The read rate every ten seconds, when there is something to say, and what was dead-lettered meanwhile. */
  void logThroughput(long now) {
    if (now - lastLogAt < 10_000) {
      return;
    }
    long read = metrics.recordsRead();
    if (lastLogAt > 0 && read > lastLogRead) {
      LOG.info("ingest: {} records/s over the last {} s ({} read, {} valid, {} late, {} dead-lettered)",
          (read - lastLogRead) * 1000 / (now - lastLogAt), (now - lastLogAt) / 1000, read, metrics.validEvents(),
          metrics.lateEvents(), metrics.deadLettered());
    }
    lastLogAt = now;
    lastLogRead = read;
    deadLetterLog.drain().ifPresent(summary -> LOG.warn("dead-lettered {}; each record is in {} with its reason in "
        + "the {} header", summary, topics.deadLetter(), DeadLetter.HEADER_REASON));
  }
}
