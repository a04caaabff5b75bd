package dev.pulse.enricher;

import dev.pulse.common.CrashPoints;
import dev.pulse.common.Sink;
import dev.pulse.common.metrics.PipelineMetrics;
import dev.pulse.common.model.ClickEvent;
import dev.pulse.common.model.DeadLetter;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.time.WatermarkTracker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The enriched output of one input partition, written exactly once: a transactional producer whose
 * {@code transactional.id} belongs to the partition, so whoever opens the partition next fences this one;
 * each transaction holds the enriched records, the range's dead letters, and the input offset they cover,
 * committed to the enricher's own group. Batches that queue up while a transaction commits go into the next one together.
 *
 * <p>The Kafka client blocks, so every call runs on this partition's own thread; results come back on the
 * verticle's context.
 */
final class TransactionalPartitionWriter {

  /** The transaction was fenced: another owner has opened the partition. */
  static final class FencedException extends RuntimeException {
    FencedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private record Pending(EventBatch batch, Promise<Void> done) {
  }

  private final PartitionId partition;
  private final TopicPartition tp;
  private final String outputTopic;
  private final String deadLetterTopic;
  private final EnricherOptions options;
  private final String bootstrapServers;
  private final Admin admin;
  private final Clock clock;
  private final Context context;
  private final PipelineMetrics metrics;
  private final ScheduledExecutorService thread;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  // Touched on the partition's thread only.
  private KafkaProducer<byte[], byte[]> producer;
  private long nextOffset;
  private long watermark = WatermarkTracker.NONE;
  private long maxEventTime = WatermarkTracker.NONE;
  private volatile boolean broken;
  private volatile long lastCommitAt;
  private boolean firstTransaction = true;

  TransactionalPartitionWriter(PartitionId partition, String outputTopic, String deadLetterTopic,
      EnricherOptions options,
      String bootstrapServers, Admin admin, Clock clock, Context context, PipelineMetrics metrics) {
    this.partition = partition;
    this.tp = new TopicPartition(partition.topic(), partition.partition());
    this.outputTopic = outputTopic;
    this.deadLetterTopic = deadLetterTopic;
    this.options = options;
    this.bootstrapServers = bootstrapServers;
    this.admin = admin;
    this.clock = clock;
    this.context = context;
    this.metrics = metrics;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pulse-enricher-" + partition);
      t.setDaemon(true);
      return t;
    });
  }

  String transactionalId() {
    return options.groupId() + "-" + partition.topic() + "-" + partition.partition();
  }

  /** Fences any previous owner, then reads where the committed enriched output ends. */
  Future<SinkCheckpoint> open() {
    return onThread(() -> {
      Map<String, Object> config = producerConfig(options, bootstrapServers, transactionalId());
      producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
      // Aborts whatever a previous owner left open and fences it: its commits fail from now on.
      producer.initTransactions();
      OffsetAndMetadata committed;
      try {
        committed = admin.listConsumerGroupOffsets(options.groupId()).partitionsToOffsetAndMetadata()
            .get(60, TimeUnit.SECONDS).get(tp);
      } catch (Exception e) {
        throw new KafkaException("cannot read the enricher's committed offsets: " + e, e);
      }
      if (committed != null) {
        nextOffset = committed.offset();
        parseMetadata(committed.metadata());
      }
      return new SinkCheckpoint(nextOffset, watermark, maxEventTime);
    });
  }

  /** The settings of a partition's transactional producer: the user's tuning, then what exactly-once rests on. */
  static Map<String, Object> producerConfig(EnricherOptions options, String bootstrapServers,
      String transactionalId) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrapServers);
    config.put("linger.ms", "5");
    config.put("batch.size", String.valueOf(256 * 1024));
    config.put("compression.type", "lz4");
    // the user's tuning (enricher.producer.*) over the three above; EnricherOptions refuses the names below
    config.putAll(options.producerSettings());
    config.put("transactional.id", transactionalId);
    config.put("client.id", transactionalId);
    config.put("enable.idempotence", "true");
    config.put("acks", "all");
    // One produce request at a time: with Kafka 4's transactions v2 a produce adds its partitions to the
    // transaction itself, and a second request sent while the first one's addition is still being written was
    // answered CONCURRENT_TRANSACTIONS, the batches behind it OUT_OF_ORDER_SEQUENCE_NUMBER (retried, nothing
    // lost, but logged as errors by the broker). Measured: no loss of throughput.
    config.put("max.in.flight.requests.per.connection", "1");
    // a dead letter keeps its original size, up to what the broker accepted, plus Pulse's headers
    config.put("max.request.size", String.valueOf(DeadLetter.MAX_RECORD_BYTES));
    config.put("transaction.timeout.ms", String.valueOf(options.transactionTimeout().toMillis()));
    return config;
  }

  /** Completes once the batch's records and offsets are committed in a transaction. */
  Future<Void> submit(EventBatch batch) {
    Promise<Void> done = Promise.promise();
    if (broken) {
      done.fail(new KafkaException("the transaction of " + partition + " failed; the partition must be reopened"));
      return done.future();
    }
    queue.add(new Pending(batch, done));
    if (drainScheduled.compareAndSet(false, true)) {
      // Transactions at most every enricher.transaction.interval: batches queued meanwhile share the next one.
      // Back to back, a transaction's first write often reached the coordinator while it was still completing
      // the previous one; the broker answered CONCURRENT_TRANSACTIONS, and batches sent behind it were refused as
      // out of sequence (retried, and logged as errors by the broker and warnings by the client).
      long wait = lastCommitAt + options.transactionInterval().toMillis() - clock.millis();
      thread.schedule(this::drain, Math.max(0, wait), TimeUnit.MILLISECONDS);
    }
    return done.future();
  }

  /**
   * Starts the partition's committed progress again at offset 0, keeping the event-time state: the input
   * topic was recreated. Nothing is queued (ingest resets before it hands records over).
   */
  Future<SinkCheckpoint> resetOffset() {
    return onThread(() -> {
      if (broken || producer == null) {
        throw new KafkaException("the producer of " + partition + " is not usable; the partition must be reopened");
      }
      long before = nextOffset;
      nextOffset = 0;
      try {
        producer.beginTransaction();
        producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(0, metadata())),
            new ConsumerGroupMetadata(options.groupId()));
        producer.commitTransaction();
      } catch (KafkaException e) {
        nextOffset = before;
        broken = true;
        throw e;
      }
      return new SinkCheckpoint(nextOffset, watermark, maxEventTime);
    });
  }

  /** Commits what is queued, then closes the producer. */
  Future<SinkCheckpoint> close() {
    Future<SinkCheckpoint> f = onThread(() -> {
      drain();
      if (producer != null) {
        producer.close();
        producer = null;
      }
      return new SinkCheckpoint(nextOffset, watermark, maxEventTime);
    });
    return f.andThen(ar -> thread.shutdown());
  }

  private void drain() {
    drainScheduled.set(false);
    List<Pending> taken = new ArrayList<>();
    for (Pending p = queue.poll(); p != null; p = queue.poll()) {
      taken.add(p);
    }
    if (taken.isEmpty()) {
      return;
    }
    if (broken || producer == null) {
      fail(taken, new KafkaException("the transaction of " + partition + " failed; the partition must be reopened"));
      return;
    }
    long offsetBefore = nextOffset;
    long watermarkBefore = watermark;
    long maxBefore = maxEventTime;
    try {
      producer.beginTransaction();
      long now = clock.millis();
      Enrichment.Stamp stamp = Enrichment.at(now);
      long sent = 0;
      for (Pending p : taken) {
        sent += send(p.batch(), stamp);
        nextOffset = Math.max(nextOffset, p.batch().nextOffset());
        watermark = Math.max(watermark, p.batch().watermark());
        maxEventTime = Math.max(maxEventTime, p.batch().maxEventTime());
      }
      if (firstTransaction) {
        // A fresh producer's first produce raced the offsets' AddOffsetsToTxn at the coordinator and was answered
        // CONCURRENT_TRANSACTIONS; let the records land first, once (every transaction would halve throughput).
        producer.flush();
        firstTransaction = false;
      }
      producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(nextOffset, metadata())),
          new ConsumerGroupMetadata(options.groupId()));
      // A fault test's crash points count transactions that take the offset forward, not those of an idle
      // partition's watermark alone (they can come first, and a crash after them would find nothing committed).
      boolean advances = nextOffset > offsetBefore;
      if (advances) {
        CrashPoints.reached(CrashPoints.ENRICHER_BEFORE_COMMIT);
      }
      producer.commitTransaction();
      if (advances) {
        CrashPoints.reached(CrashPoints.ENRICHER_AFTER_COMMIT);
      }
      lastCommitAt = clock.millis();
      metrics.sinkEvents(Sink.ENRICHER, sent);
      context.runOnContext(v -> taken.forEach(p -> p.done().complete()));
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      broken = true;
      fail(taken, new FencedException(partition + " was opened by another owner", e));
    } catch (KafkaException e) {
      broken = true;
      nextOffset = offsetBefore;
      watermark = watermarkBefore;
      maxEventTime = maxBefore;
      try {
        producer.abortTransaction();
      } catch (KafkaException ignored) {
        // the producer is unusable; the partition is reopened with a new one
      }
      fail(taken, e);
    }
  }

  /**
   * Sends the batch's dead letters and enriched events from {@link #nextOffset} on, into the open transaction.
   * A method of its own so that the JIT compiles the per-record loop once as a method: inside {@link #drain}
   * it was compiled three times (twice on stack replacement), 1.3 s of C2 in a 25 s run.
   *
   * @return the number of enriched events sent
   */
  private int send(EventBatch batch, Enrichment.Stamp stamp) {
    for (DeadLetter letter : batch.deadLetters()) {
      if (letter.offset() >= nextOffset) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(deadLetterTopic, letter.key(), letter.value());
        letter.headers().forEach(h -> r.headers().add(h.key(), h.value()));
        producer.send(r);
      }
    }
    int sent = 0;
    for (ClickEvent e : batch.events()) {
      if (e.offset() >= nextOffset) {
        producer.send(new ProducerRecord<>(outputTopic, Enrichment.key(e), stamp.value(e)));
        sent++;
      }
    }
    return sent;
  }

  private void fail(List<Pending> pending, Throwable cause) {
    context.runOnContext(v -> pending.forEach(p -> p.done().fail(cause)));
  }

  /** The partition's event-time state, kept with the committed offset so a restart resumes it. */
  private String metadata() {
    return "watermark=" + watermark + ";max_event_time=" + maxEventTime;
  }

  private void parseMetadata(String metadata) {
    if (metadata == null) {
      return;
    }
    for (String part : metadata.split(";")) {
      String[] kv = part.split("=", 2);
      if (kv.length == 2 && kv[0].equals("watermark")) {
        watermark = Long.parseLong(kv[1]);
      } else if (kv.length == 2 && kv[0].equals("max_event_time")) {
        maxEventTime = Long.parseLong(kv[1]);
      }
    }
  }

  private <T> Future<T> onThread(Supplier<T> work) {
    Promise<T> promise = Promise.promise();
    thread.execute(() -> {
      try {
        T result = work.get();
        context.runOnContext(v -> promise.complete(result));
      } catch (RuntimeException e) {
        context.runOnContext(v -> promise.fail(e));
      }
    });
    return promise.future();
  }
}
