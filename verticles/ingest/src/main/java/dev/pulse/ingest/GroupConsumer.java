package dev.pulse.ingest;

import dev.pulse.common.metrics.PipelineMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's consumer on a thread of its own, driven from a Vert.x context, whose rebalance callback waits for the
 * hand-over: when the group takes partitions away (a node joins, or leaves with SIGTERM), the callback runs the
 * revocation handler on the context and blocks the consumer's poll until it completes, so the sinks flush and
 * checkpoint and the final offsets are committed before the group gives the partitions to their new owner. The
 * new owner then starts where the old one stopped instead of redoing up to a lake roll. (Vert.x's own consumer
 * hands the callback to the context and returns at once, so the partitions moved while the sinks still flushed.)
 *
 * <p>While the callback waits, the thread keeps running the operations the context asks for (commits, seeks,
 * end offsets): Kafka allows them inside a rebalance callback, and the hand-over needs some of them. The wait is
 * bounded by the hand-over timeout; past it the partitions go and the new owner redoes from the last
 * checkpoint, which the sinks' fencing keeps exact. Newly assigned partitions are paused inside the callback,
 * before any fetch, and resumed by the caller once it has sought to where its sinks resume.
 */
final class GroupConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(GroupConsumer.class);
  private static final long COMMAND_WAIT_MS = 5;

  private final Context context;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Duration handoverTimeout;
  private final PipelineMetrics metrics;
  private final BlockingDeque<Command> commands = new LinkedBlockingDeque<>();
  private final Thread thread;
  private volatile boolean closed;
  private Handler<Set<TopicPartition>> assignedHandler = p -> { };
  private Function<Set<TopicPartition>, Future<Void>> revokedHandler = p -> Future.succeededFuture();

  /** One operation on the consumer; polls are never run inside a rebalance callback (that is inside a poll). */
  private record Command(Runnable op, boolean isPoll) {
  }

  GroupConsumer(Context context, Map<String, Object> config, String threadName, Duration handoverTimeout,
      PipelineMetrics metrics) {
    this.context = context;
    this.metrics = metrics;
    this.handoverTimeout = handoverTimeout;
    this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  void partitionsAssignedHandler(Handler<Set<TopicPartition>> handler) {
    this.assignedHandler = handler;
  }

  /** The hand-over: the partitions stay with this consumer until the returned future completes (or times out). */
  void partitionsRevokedHandler(Function<Set<TopicPartition>, Future<Void>> handler) {
    this.revokedHandler = handler;
  }

  Future<Void> subscribe(String topic) {
    return run(() -> {
      consumer.subscribe(List.of(topic), new HandOver());
      return null;
    });
  }

  Future<ConsumerRecords<byte[], byte[]>> poll(Duration timeout) {
    return submit(() -> consumer.poll(timeout), true);
  }

  Future<Void> pause(Set<TopicPartition> partitions) {
    return run(() -> {
      consumer.pause(owned(partitions));
      return null;
    });
  }

  Future<Void> pause(TopicPartition partition) {
    return pause(Set.of(partition));
  }

  Future<Void> resume(TopicPartition partition) {
    return run(() -> {
      consumer.resume(owned(Set.of(partition)));
      return null;
    });
  }

  Future<Void> seek(TopicPartition partition, long offset) {
    return run(() -> {
      consumer.seek(kafka(partition), offset);
      return null;
    });
  }

  Future<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    return run(() -> {
      Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> k =
          new HashMap<>();
      offsets.forEach((tp, om) -> k.put(kafka(tp),
          new org.apache.kafka.clients.consumer.OffsetAndMetadata(om.getOffset(), om.getMetadata())));
      consumer.commitSync(k);
      return null;
    });
  }

  Future<Long> endOffsets(TopicPartition partition) {
    return run(() -> consumer.endOffsets(List.of(kafka(partition))).get(kafka(partition)));
  }

  Future<Map<TopicPartition, Long>> endOffsets(Set<TopicPartition> partitions) {
    return run(() -> {
      Map<TopicPartition, Long> out = new HashMap<>();
      consumer.endOffsets(partitions.stream().map(GroupConsumer::kafka).toList())
          .forEach((tp, end) -> out.put(new TopicPartition(tp.topic(), tp.partition()), end));
      return out;
    });
  }

  Future<Long> position(TopicPartition partition) {
    return run(() -> consumer.position(kafka(partition)));
  }

  /** Leaves the group (the revocation handler runs once more) and ends the thread. */
  Future<Void> close() {
    Future<Void> f = run(() -> {
      consumer.close(Duration.ofSeconds(30));
      return null;
    });
    return f.andThen(ar -> closed = true);
  }

  private <T> Future<T> run(Supplier<T> op) {
    return submit(op, false);
  }

  private <T> Future<T> submit(Supplier<T> op, boolean isPoll) {
    Promise<T> promise = Promise.promise();
    if (closed) {
      return Future.failedFuture(new IllegalStateException("the consumer is closed"));
    }
    commands.add(new Command(() -> {
      try {
        T result = op.get();
        context.runOnContext(v -> promise.complete(result));
      } catch (Throwable e) { // the thread must survive whatever one operation throws
        context.runOnContext(v -> promise.fail(e));
      }
    }, isPoll));
    return promise.future();
  }

  private void run() {
    try {
      while (!closed) {
        Command c = commands.poll(100, TimeUnit.MILLISECONDS);
        if (c != null) {
          c.op().run();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Only partitions still assigned: pausing one the group took away meanwhile would throw. */
  private Set<org.apache.kafka.common.TopicPartition> owned(Set<TopicPartition> partitions) {
    Set<org.apache.kafka.common.TopicPartition> assignment = consumer.assignment();
    Set<org.apache.kafka.common.TopicPartition> out = new HashSet<>();
    for (TopicPartition tp : partitions) {
      org.apache.kafka.common.TopicPartition k = kafka(tp);
      if (assignment.contains(k)) {
        out.add(k);
      }
    }
    return out;
  }

  private static org.apache.kafka.common.TopicPartition kafka(TopicPartition tp) {
    return new org.apache.kafka.common.TopicPartition(tp.getTopic(), tp.getPartition());
  }

  private static Set<TopicPartition> vertx(Collection<org.apache.kafka.common.TopicPartition> partitions) {
    Set<TopicPartition> out = new HashSet<>();
    partitions.forEach(tp -> out.add(new TopicPartition(tp.topic(), tp.partition())));
    return out;
  }

  /** Runs on this consumer's thread, inside its poll (or close). */
  private final class HandOver implements ConsumerRebalanceListener {

    @Override
    public void onPartitionsAssigned(Collection<org.apache.kafka.common.TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      consumer.pause(partitions); // nothing is fetched before the caller seeks to where its sinks resume
      metrics.rebalance("assigned", partitions.size(), names(consumer.assignment(), Set.of()));
      Set<TopicPartition> assigned = vertx(partitions);
      context.runOnContext(v -> assignedHandler.handle(assigned));
    }

    @Override
    public void onPartitionsRevoked(Collection<org.apache.kafka.common.TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      Set<TopicPartition> revoked = vertx(partitions);
      CompletableFuture<Void> handedOver = new CompletableFuture<>();
      context.runOnContext(v -> {
        Future<Void> f;
        try {
          f = revokedHandler.apply(revoked);
        } catch (RuntimeException e) {
          f = Future.failedFuture(e);
        }
        f.onComplete(ar -> handedOver.complete(null));
      });
      long started = System.nanoTime();
      long deadline = started + handoverTimeout.toNanos();
      Deque<Command> polls = new ArrayDeque<>();
      try {
        while (!handedOver.isDone() && System.nanoTime() < deadline) {
          Command c = commands.poll(COMMAND_WAIT_MS, TimeUnit.MILLISECONDS);
          if (c == null) {
            continue;
          }
          if (c.isPoll()) {
            polls.add(c); // a poll inside the poll is not allowed; it runs after the callback
          } else {
            c.op().run();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        while (!polls.isEmpty()) {
          commands.addFirst(polls.removeLast());
        }
      }
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      metrics.handover(handedOver.isDone(), tookMs);
      metrics.rebalance("revoked", partitions.size(), names(consumer.assignment(), partitions));
      if (handedOver.isDone()) {
        LOG.info("handed over {} in {} ms", names(revoked), tookMs);
      } else {
        LOG.warn("hand-over of {} not done within {} (ingest.handover.timeout): releasing them anyway; their new "
            + "owner resumes from the last checkpoints", names(revoked), handoverTimeout);
      }
    }

    @Override
    public void onPartitionsLost(Collection<org.apache.kafka.common.TopicPartition> partitions) {
      // Another member may own them already: nothing to hand over, only local state to drop.
      if (!partitions.isEmpty()) {
        metrics.rebalance("lost", partitions.size(), names(consumer.assignment(), partitions));
        Set<TopicPartition> lost = vertx(partitions);
        context.runOnContext(v -> revokedHandler.apply(lost));
      }
    }
  }

  /** {@code topic-partition} names of {@code partitions} except {@code minus}. */
  private static List<String> names(Collection<org.apache.kafka.common.TopicPartition> partitions,
      Collection<org.apache.kafka.common.TopicPartition> minus) {
    return partitions.stream().filter(tp -> !minus.contains(tp)).map(tp -> tp.topic() + "-" + tp.partition())
        .sorted().toList();
  }

  private static List<String> names(Set<TopicPartition> partitions) {
    return partitions.stream().map(tp -> tp.getTopic() + "-" + tp.getPartition()).sorted().toList();
  }
}
