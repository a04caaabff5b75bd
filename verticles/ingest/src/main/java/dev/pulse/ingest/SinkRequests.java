package dev.pulse.ingest;

import dev.pulse.common.Addresses;
import dev.pulse.common.Sink;
import dev.pulse.common.bus.SinkEndpoints;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Ingest's side of the sink protocol: open, batch, reset and close requests to the sinks of this node over the
 * node-local event bus ({@link SinkEndpoints} is the sinks' side). A request left unanswered for
 * {@code ingest.sink.timeout} fails like any other, and the caller leaves that sink out of the partition.
 * Called on the ingest verticle's event loop only, as {@link PartitionState} requires.
 */
final class SinkRequests {

  /** What happens to a sink that failed a batch of a partition (other than by no longer having it open). */
  @FunctionalInterface
  interface Suspension {
    void suspend(PartitionState st, Sink sink, Throwable cause);
  }

  private final EventBus bus;
  private final List<Sink> sinks;
  private final DeliveryOptions delivery;
  /** The same for asking a sink left out of a partition whether it can write again. */
  private final DeliveryOptions probeDelivery;

  SinkRequests(EventBus bus, List<Sink> sinks, Duration timeout) {
    this.bus = bus;
    this.sinks = List.copyOf(sinks);
    this.delivery = new DeliveryOptions().setSendTimeout(timeout.toMillis()).setLocalOnly(true);
    this.probeDelivery = new DeliveryOptions(delivery).addHeader(SinkEndpoints.PROBE, "true");
  }

  /** Asks every sink to open the partition: each answers where its durable output ends. */
  Map<Sink, Future<SinkCheckpoint>> open(PartitionId partition) {
    Map<Sink, Future<SinkCheckpoint>> checkpoints = new EnumMap<>(Sink.class);
    for (Sink sink : sinks) {
      checkpoints.put(sink, bus.<SinkCheckpoint>request(Addresses.sinkOpen(sink), partition, delivery)
          .map(Message::body));
    }
    return checkpoints;
  }

  /** Asks sinks left out of the partition whether they can write again; the answers in the order of {@code left}. */
  List<Future<SinkCheckpoint>> probe(List<Sink> left, PartitionId partition) {
    return left.stream()
        .map(sink -> bus.<SinkCheckpoint>request(Addresses.sinkOpen(sink), partition, probeDelivery)
            .map(Message::body))
        .toList();
  }

  /** Asks these sinks to start the partition again at offset 0 (the input topic was recreated). */
  Future<Void> reset(List<Sink> toReset, PartitionId partition) {
    return Future.all(toReset.stream().map(s -> bus.request(Addresses.sinkReset(s), partition, delivery)).toList())
        .mapEmpty();
  }

  /**
   * Lets every sink write what it holds for the partition and give it up; each one's durable offset is noted
   * in {@code st.durable} as it answers. Completes when all have answered, failed when one failed.
   */
  Future<Void> close(PartitionState st) {
    return Future.join(sinks.stream()
            .map(s -> bus.<SinkCheckpoint>request(Addresses.sinkClose(s), st.id, delivery).onSuccess(m -> {
              if (m.body() != null) {
                st.durable.put(s.id(), m.body().nextOffset());
              }
            }))
            .toList())
        .mapEmpty();
  }

  /**
   * Hands a batch to every sink not suspended for the partition. A sink that fails it (other than by no longer
   * having the partition open) is suspended through {@code suspension} and the batch counts as taken by the
   * rest; a sink that no longer has the partition open fails the hand-over, and the caller rewinds the partition.
   * A batch taken by every sink it went to moves {@code st.acceptedUpTo}.
   */
  Future<Void> deliver(PartitionState st, long gen, EventBatch batch, Suspension suspension) {
    List<Future<?>> replies = new ArrayList<>(sinks.size());
    for (Sink sink : sinks) {
      if (st.suspended.containsKey(sink)) {
        continue;
      }
      st.outstanding.merge(sink, 1, Integer::sum);
      replies.add(bus.request(Addresses.sinkBatch(sink), batch, delivery).transform(ar -> {
        st.outstanding.merge(sink, -1, Integer::sum);
        if (ar.succeeded()) {
          if (gen == st.generation) {
            st.sinkFailures.remove(sink);
          }
          return Future.succeededFuture();
        }
        if (gen != st.generation || st.suspended.containsKey(sink)) {
          return Future.succeededFuture(); // the partition was rewound, or the sink left out, meanwhile
        }
        if (notOwner(ar.cause())) {
          return Future.failedFuture(ar.cause());
        }
        suspension.suspend(st, sink, ar.cause());
        return Future.succeededFuture();
      }));
    }
    return Future.all(replies)
        .onSuccess(v -> st.acceptedUpTo = Math.max(st.acceptedUpTo, batch.nextOffset()))
        .mapEmpty();
  }

  private static boolean notOwner(Throwable cause) {
    return cause instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && re.failureCode() == SinkEndpoints.NOT_OWNER;
  }
}
