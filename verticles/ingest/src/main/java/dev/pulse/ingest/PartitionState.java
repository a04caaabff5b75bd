package dev.pulse.ingest;

import dev.pulse.common.Sink;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.time.WatermarkTracker;
import io.vertx.core.Future;
import io.vertx.kafka.client.common.TopicPartition;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/** Ingest's view of one assigned partition. All fields are touched on the verticle's event loop only. */
final class PartitionState {

  /** A sink left out of the partition after a failure, until {@code retryAt}. */
  record Suspension(long retryAt, String reason) {
  }

  final PartitionId id;
  final TopicPartition tp;
  boolean assigned;
  /** Records are handed over only in this state; otherwise they are dropped and fetched again after a seek. */
  boolean accepting;
  /** Bumped by every assignment, revocation and rewind; queued work of an older generation is skipped. */
  long generation;
  long nextToHandOver;
  long acceptedUpTo;
  int inflight;
  boolean pausedForBackpressure;
  Future<?> tail = Future.succeededFuture();
  final Map<String, Long> durable = new HashMap<>();
  long committed = -1;
  int openAttempts;
  WatermarkTracker tracker;
  long lastEventAt;
  /** Sinks that failed and no longer get this partition's batches until their retry. */
  final Map<Sink, Suspension> suspended = new EnumMap<>(Sink.class);
  /** Failures of each sink since it last took a batch: the backoff grows with them. */
  final Map<Sink, Integer> sinkFailures = new EnumMap<>(Sink.class);
  /** Batches each sink has been sent and not yet answered. */
  final Map<Sink, Integer> outstanding = new EnumMap<>(Sink.class);
  /** Rewinds since the last batch every sink took: the backoff grows with them. */
  int rewinds;
  long pausedSince = -1;
  /** Why the partition is not processed (its input is behind a checkpoint), or null. */
  String refused;
  /** Between an assignment or rewind and the end of the open that follows it. */
  boolean opening;

  PartitionState(PartitionId id) {
    this.id = id;
    this.tp = new TopicPartition(id.topic(), id.partition());
  }
}
