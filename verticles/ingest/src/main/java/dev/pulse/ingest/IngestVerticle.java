package dev.pulse.ingest;

import dev.pulse.common.Addresses;
import dev.pulse.common.Sink;
import dev.pulse.common.Topics;
import dev.pulse.common.bus.LocalRecords;
import dev.pulse.common.model.DeadLetter;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.config.WatermarkOptions;
import dev.pulse.common.metrics.PipelineMetrics;
import dev.pulse.common.metrics.Problems;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.model.SinkProgress;
import dev.pulse.common.time.WatermarkTracker;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the input topic as a member of the ingest consumer group and hands each partition's records, in
 * order, to the sinks running on this node.
 *
 * <ul>
 *   <li>On assignment, every sink is asked where its durable output for the partition ends; the consumer
 *       seeks to the smallest of those offsets, and each sink skips what it already has.</li>
 *   <li>Each partition's event-time watermark is kept here, once for every sink: each event is marked late or
 *       not, and each batch carries the watermark after it. The sinks checkpoint it with their output, and a
 *       partition resumes with the watermark of the checkpoint it resumes from. A caught-up partition that stays
 *       silent for the idle timeout gets an empty batch that moves its watermark to the wall clock.</li>
 *   <li>Invalid records go to the dead-letter topic, unchanged, with the reason in headers: written by the
 *       enricher in the same Kafka transaction as the enriched records and offsets (exactly once) when it runs on
 *       the node, else by ingest before the batch that covers their offsets is handed over (at least once).</li>
 *   <li>A partition whose sinks have too many batches in hand is paused (the consumer stays in its group);
 *       one paused longer than {@code ingest.stall.timeout} is reported stalled.</li>
 *   <li>A sink that fails to write a partition is suspended for it: the other sinks go on, and after a backoff
 *       the partition is rewound to the suspended sink's durable state (the others skip what they have). Any
 *       other failed hand-over rewinds the partition at once, backing off when it keeps failing.</li>
 *   <li>A sink whose checkpoint lies beyond the end of the log (the topic was recreated or wiped) is never
 *       allowed to skip the new records: the partition is refused, or its sinks start again at offset 0 when
 *       the user asked for that ({@code ingest.on.input.reset=reset}).</li>
 *   <li>The Kafka commit is the smallest offset all sinks report durable: informational (lag, tools), since
 *       each sink keeps its own progress with its output. Lag is counted from there.</li>
 *   <li>Whatever stops a partition from progressing is reported in {@link Problems} ({@code /health}).</li>
 * </ul>
 *
 * <p>This class is the partition state machine: the poll loop, backpressure, ownership, suspending and taking back
 * sinks, rewinds. The rest is in pieces of its own: {@link SinkRequests} sends the sinks their open, batch, reset
 * and close requests; {@link GroupConsumer} runs Kafka's consumer on its thread and holds the group back during a
 * hand-over; {@link RecordPreparation} is the hot path (with {@link BatchAssembler} and
 * {@link EventParser}, plain Java); {@link ResumePoint} decides where an opened partition is read from;
 * {@link IngestProgress} commits, measures lag, reports stalls and moves idle watermarks; {@link IngestClients}
 * holds the Kafka clients' settings.
 */
public final class IngestVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(IngestVerticle.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final long PARTLY_PAUSED_POLL_INTERVAL_MS = 5;
  /** The component ingest reports its problems as. */
  static final String COMPONENT = "ingest";

  private final IngestOptions options;
  private final WatermarkOptions watermarks;
  private final String bootstrapServers;
  private final Topics topics;
  private final List<Sink> sinks;
  private final Clock clock;
  private final String clientId;
  /** With an enricher on the node, invalid records go to the dead-letter topic in its transactions. */
  private final boolean enricherWritesDeadLetters;
  private final PipelineMetrics metrics;
  private final Problems problems;
  private final DeadLetterLog deadLetterLog = new DeadLetterLog();

  private EventParser parser;
  private SinkRequests requests;
  private GroupConsumer consumer;
  private IngestProgress progress;
  private KafkaProducer<byte[], byte[]> deadLetters;
  private MessageConsumer<SinkProgress> progressConsumer;
  private final Map<PartitionId, PartitionState> partitions = new HashMap<>();
  private boolean stopping;
  private final Promise<Void> pollLoopStopped = Promise.promise();
  private long timerId = -1;

  public IngestVerticle(IngestOptions options, WatermarkOptions watermarks, String bootstrapServers, Topics topics,
      List<Sink> sinks, Clock clock, String nodeName, PipelineMetrics metrics) {
    if (sinks.isEmpty()) {
      throw new IllegalArgumentException("ingest needs at least one sink");
    }
    this.options = options;
    this.watermarks = watermarks;
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.sinks = List.copyOf(sinks);
    this.clock = clock;
    this.clientId = "pulse-ingest-" + nodeName;
    this.enricherWritesDeadLetters = sinks.contains(Sink.ENRICHER);
    this.metrics = metrics;
    this.problems = metrics.problems();
  }

  @Override
  public Future<?> start() {
    LocalRecords.registerCodecs(vertx);
    requests = new SinkRequests(vertx.eventBus(), sinks, options.sinkTimeout());
    parser = new EventParser(options.maxEventBytes(), options.maxFutureSkew(), options.minEventTime());
    consumer = new GroupConsumer(context, IngestClients.consumer(options, bootstrapServers, clientId),
        "pulse-ingest-consumer-" + clientId, options.handoverTimeout(), metrics);
    progress = new IngestProgress(options, watermarks, topics, sinks, clock, metrics, deadLetterLog, partitions,
        consumer, this::enqueueWatermark);
    consumer.partitionsAssignedHandler(this::onAssigned);
    consumer.partitionsRevokedHandler(this::onRevoked);
    deadLetters = KafkaProducer.create(vertx, IngestClients.deadLetterProducer(bootstrapServers, clientId),
        new ByteArraySerializer(), new ByteArraySerializer());
    progressConsumer = vertx.eventBus().localConsumer(Addresses.SINK_PROGRESS, this::onSinkProgress);
    return progressConsumer.completion()
        .compose(v -> consumer.subscribe(topics.input()))
        .onSuccess(v -> {
          LOG.info("ingest subscribed to {} as group {} ({} protocol), sinks {}", topics.input(), options.groupId(),
              options.groupProtocol(), sinks.stream().map(Sink::id).toList());
          timerId = vertx.setPeriodic(options.progressInterval().toMillis(), id -> reportProgress());
          poll();
        });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(timerId);
    return pollLoopStopped.future()
        .compose(v -> Future.join(new ArrayList<>(partitions.values()).stream().map(this::release).toList()))
        .transform(ar -> progress.commitDurable())
        .transform(ar -> consumer.close())
        .andThen(ar -> LOG.info("ingest stopped: {} records handed to the sinks in this run ({} read, {} valid, {} "
            + "late, {} dead-lettered)", metrics.recordsHandedOver(), metrics.recordsRead(), metrics.validEvents(),
            metrics.lateEvents(), metrics.deadLettered()))
        .transform(ar -> deadLetters.close())
        .transform(ar -> progressConsumer.unregister());
  }

  // ---------------------------------------------------------------- the poll loop

  private void poll() {
    if (stopping) {
      pollLoopStopped.tryComplete();
      return;
    }
    // Kafka's consumer of the KIP-848 protocol (4.1) does not wait in a poll while a paused partition has data
    // buffered: it loops for the whole timeout, and polled back to back it kept two threads busy and allocated
    // ~100 MB/s for as long as a partition stayed paused (a PostgreSQL outage). With a partition paused, poll
    // without waiting and let a timer do the waiting: long when every partition is paused, short when others
    // may have records coming.
    long assigned = partitions.values().stream().filter(st -> st.assigned).count();
    long paused = partitions.values().stream().filter(st -> st.assigned
        && (!st.accepting || st.pausedForBackpressure)).count();
    consumer.poll(paused > 0 ? Duration.ZERO : POLL_TIMEOUT).onComplete(ar -> {
      if (ar.succeeded()) {
        dispatch(ar.result());
        if (paused > 0 && ar.result().isEmpty()) {
          vertx.setTimer(paused == assigned ? POLL_TIMEOUT.toMillis() : PARTLY_PAUSED_POLL_INTERVAL_MS,
              id -> poll());
        } else {
          poll();
        }
      } else {
        LOG.warn("poll failed, retrying: {}", ar.cause().toString());
        vertx.setTimer(500, id -> poll());
      }
    });
  }

  private void dispatch(ConsumerRecords<byte[], byte[]> records) {
    for (org.apache.kafka.common.TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
      PartitionState st = partitions.get(new PartitionId(tp.topic(), tp.partition()));
      if (st == null || !st.accepting) {
        continue; // fetched before the seek to the sinks' durable offset; they will be fetched again
      }
      int from = 0;
      while (from < list.size() && list.get(from).offset() < st.nextToHandOver) {
        from++;
      }
      if (from == list.size()) {
        continue;
      }
      List<ConsumerRecord<byte[], byte[]>> fresh = list.subList(from, list.size());
      st.nextToHandOver = fresh.get(fresh.size() - 1).offset() + 1;
      metrics.recordsRead(fresh.size());
      enqueue(st, fresh);
    }
  }

  /**
   * Queues a run of records for hand-over. Hand-overs of one partition are pipelined: each waits for the
   * previous one to be sent (so the sinks see batches in offset order, and a batch goes out only after its
   * invalid records are in the dead-letter topic), not for it to be acknowledged. Unacknowledged batches count
   * towards the pause threshold; the first failed one rewinds the partition.
   */
  private void enqueue(PartitionState st, List<ConsumerRecord<byte[], byte[]>> records) {
    long gen = st.generation;
    inflight(st, +1);
    st.tail = st.tail.transform(ignored -> {
      if (gen != st.generation) {
        inflight(st, -1);
        return Future.succeededFuture();
      }
      return prepare(st, gen, records).transform(prepared -> {
        if (prepared.failed()) {
          inflight(st, -1);
          rewind(st, gen, prepared.cause());
        } else {
          send(st, gen, prepared.result());
        }
        return Future.succeededFuture();
      });
    });
  }

  private void send(PartitionState st, long gen, EventBatch batch) {
    metrics.recordsHandedOver(batch.nextOffset() - batch.firstOffset());
    requests.deliver(st, gen, batch, this::suspend).onComplete(delivered -> {
      inflight(st, -1);
      if (delivered.failed()) {
        rewind(st, gen, delivered.cause());
      } else if (gen == st.generation && st.suspended.isEmpty()) {
        st.rewinds = 0;
        problems.clear(Problems.Kind.PARTITION_REWOUND, COMPONENT, st.id);
      }
    });
  }

  /** Keeps count of batches in the sinks' hands, pausing the partition at the threshold and resuming below it. */
  private void inflight(PartitionState st, int delta) {
    st.inflight += delta;
    if (st.inflight >= options.maxInflightBatches() && !st.pausedForBackpressure) {
      st.pausedForBackpressure = true;
      st.pausedSince = clock.millis();
      consumer.pause(st.tp);
    } else if (st.pausedForBackpressure && st.inflight < options.maxInflightBatches()) {
      st.pausedForBackpressure = false;
      st.pausedSince = -1;
      problems.clear(Problems.Kind.PARTITION_STALLED, COMPONENT, st.id);
      if (st.accepting) {
        consumer.resume(st.tp);
      }
    }
  }

  /** The hot path: a run of records becomes a batch ({@link RecordPreparation}). */
  private Future<EventBatch> prepare(PartitionState st, long gen, List<ConsumerRecord<byte[], byte[]>> records) {
    return RecordPreparation.prepare(context, parser, st, gen, records, clock, metrics, deadLetterLog,
        enricherWritesDeadLetters ? null : letter -> deadLetters.send(producerRecord(letter)));
  }

  /**
   * Leaves a failing sink out of the partition until a retry, so the other sinks go on. When none is left,
   * the partition waits for the retry paused.
   */
  private void suspend(PartitionState st, Sink sink, Throwable cause) {
    int failures = st.sinkFailures.merge(sink, 1, Integer::sum);
    long backoff = backoff(failures);
    String reason = sink.id() + " failed: " + message(cause);
    st.suspended.put(sink, new PartitionState.Suspension(clock.millis() + backoff, reason));
    problems.report(Problems.Kind.SINK_SUSPENDED, sink.id(), st.id, reason + "; the other sinks go on, " + sink.id()
        + " is retried from its last checkpoint in " + backoff / 1000.0 + " s (attempt " + failures + ")");
    LOG.warn("{}: {}; leaving it out for {} ms while the other sinks go on", st.id, reason, backoff);
    if (st.suspended.size() == sinks.size()) {
      st.accepting = false;
      consumer.pause(st.tp);
    }
  }

  private long backoff(int failures) {
    return Backoff.millis(failures, options.maxRetryBackoff().toMillis());
  }

  private static String message(Throwable cause) {
    String m = cause.getMessage();
    return m == null || m.isBlank() ? cause.toString() : m;
  }

  /** An idle partition's watermark moves on with an empty batch, in order with the records. */
  private void enqueueWatermark(PartitionState st) {
    long gen = st.generation;
    inflight(st, +1);
    EventBatch batch = new EventBatch(st.id, st.nextToHandOver, st.nextToHandOver, List.of(),
        st.tracker.watermark(), st.tracker.maxEventTime());
    st.tail = st.tail.transform(ignored -> {
      if (gen != st.generation) {
        inflight(st, -1);
      } else {
        send(st, gen, batch);
      }
      return Future.succeededFuture();
    });
  }

  private KafkaProducerRecord<byte[], byte[]> producerRecord(DeadLetter letter) {
    KafkaProducerRecord<byte[], byte[]> out = KafkaProducerRecord.create(topics.deadLetter(), letter.key(),
        letter.value());
    for (DeadLetter.Header h : letter.headers()) {
      out.addHeader(h.key(), h.value() == null ? Buffer.buffer() : Buffer.buffer(h.value()));
    }
    return out;
  }

  // ---------------------------------------------------------------- ownership

  private void onAssigned(Set<TopicPartition> assigned) {
    if (stopping) {
      return;
    }
    // Newly assigned partitions are paused already, inside the rebalance callback (GroupConsumer), until open()
    // has sought to where their sinks resume.
    for (TopicPartition tp : assigned) {
      PartitionId id = new PartitionId(tp.getTopic(), tp.getPartition());
      PartitionState st = partitions.computeIfAbsent(id, PartitionState::new);
      st.assigned = true;
      st.accepting = false;
      long gen = ++st.generation;
      st.openAttempts = 0;
      st.refused = null;
      st.opening = true;
      st.tail = st.tail.transform(ignored -> open(st, gen));
    }
    // Pauses do not survive every rebalance; apply the backpressure ones again.
    Set<TopicPartition> toPause = new HashSet<>();
    partitions.values().stream().filter(s -> s.pausedForBackpressure).forEach(s -> toPause.add(s.tp));
    if (!toPause.isEmpty()) {
      consumer.pause(toPause);
    }
    LOG.info("assigned {}", assigned.stream().map(tp -> tp.getTopic() + "-" + tp.getPartition()).sorted().toList());
  }

  /**
   * The hand-over: the group gives these partitions to another member once the returned future completes
   * ({@link GroupConsumer}), so every sink flushes and checkpoints them, and their offsets are committed, first.
   */
  private Future<Void> onRevoked(Set<TopicPartition> revoked) {
    if (stopping) {
      return Future.succeededFuture(); // stop() released everything before leaving the group
    }
    List<PartitionState> leaving = new ArrayList<>();
    List<Future<Void>> released = new ArrayList<>();
    for (TopicPartition tp : revoked) {
      PartitionState st = partitions.get(new PartitionId(tp.getTopic(), tp.getPartition()));
      if (st != null) {
        leaving.add(st);
        released.add(release(st));
      }
    }
    LOG.info("revoked {}", revoked.stream().map(tp -> tp.getTopic() + "-" + tp.getPartition()).sorted().toList());
    return Future.join(released).transform(ar -> progress.commitDurable(leaving));
  }

  /**
   * Asks every sink where to resume, checks that the log still holds those offsets, seeks to the earliest,
   * and starts handing records over. A sink that cannot open the partition is suspended and the others go on;
   * when none can, the whole open is retried with a backoff.
   */
  private Future<Void> open(PartitionState st, long gen) {
    if (gen != st.generation || stopping) {
      return Future.succeededFuture();
    }
    st.openAttempts++;
    Map<Sink, Future<SinkCheckpoint>> checkpoints = requests.open(st.id);
    return Future.join(new ArrayList<>(checkpoints.values()))
        .transform(ignored -> {
          Map<Sink, SinkCheckpoint> opened = new EnumMap<>(Sink.class);
          st.suspended.clear();
          checkpoints.forEach((sink, f) -> {
            if (f.succeeded()) {
              opened.put(sink, f.result());
              st.durable.put(sink.id(), f.result().nextOffset());
              problems.clear(Problems.Kind.SINK_SUSPENDED, sink.id(), st.id);
            }
          });
          if (opened.isEmpty()) {
            return Future.<Map<Sink, SinkCheckpoint>>failedFuture(checkpoints.values().iterator().next().cause());
          }
          checkpoints.forEach((sink, f) -> {
            if (f.failed()) {
              suspend(st, sink, f.cause());
            }
          });
          return consumer.endOffsets(st.tp).map(end -> checkInputEnd(st, opened, end));
        })
        .compose(opened -> {
          if (gen != st.generation) {
            return Future.<Void>succeededFuture();
          }
          if (opened == null) {
            st.opening = false;
            return Future.<Void>succeededFuture(); // refused, or reset and opened again
          }
          SinkCheckpoint resume = ResumePoint.earliest(List.copyOf(opened.values()));
          return consumer.seek(st.tp, resume.nextOffset()).compose(v -> {
            if (gen != st.generation) {
              return Future.<Void>succeededFuture();
            }
            long resumeAt = resume.nextOffset();
            st.tracker = new WatermarkTracker(watermarks.allowedLateness().toMillis(), resume.watermark(),
                resume.maxEventTime());
            st.lastEventAt = clock.millis();
            st.nextToHandOver = resumeAt;
            st.acceptedUpTo = resumeAt;
            st.accepting = true;
            st.opening = false;
            problems.clear(Problems.Kind.SINK_OPEN_FAILED, COMPONENT, st.id);
            LOG.info("{}: handing records over from offset {}{}", st.id, resumeAt, st.suspended.isEmpty() ? ""
                : " (without " + st.suspended.keySet().stream().map(Sink::id).toList() + " for now)");
            return st.pausedForBackpressure ? Future.<Void>succeededFuture() : consumer.resume(st.tp);
          });
        })
        .recover(err -> {
          if (gen != st.generation || stopping) {
            return Future.succeededFuture();
          }
          long backoff = backoff(st.openAttempts);
          problems.report(Problems.Kind.SINK_OPEN_FAILED, COMPONENT, st.id, "no sink could open the partition ("
              + message(err) + "); retrying in " + backoff / 1000.0 + " s");
          LOG.warn("{}: cannot open the sinks ({}), retrying in {} ms", st.id, err.toString(), backoff);
          return vertx.timer(backoff).compose(v -> open(st, gen));
        });
  }

  /**
   * A sink whose checkpoint lies beyond the end of the log has seen another incarnation of this topic (it was
   * deleted and created again, or Kafka's data was wiped while the sink's storage survived): it would skip every
   * new record below its checkpoint. Never skip silently: refuse the partition, or start those sinks again at
   * offset 0 when the user asked for it.
   *
   * @return the checkpoints to resume from, or null when the partition is refused or being reset
   */
  private Map<Sink, SinkCheckpoint> checkInputEnd(PartitionState st, Map<Sink, SinkCheckpoint> opened, long end) {
    List<Sink> ahead = ResumePoint.aheadOfLogEnd(opened, end);
    if (ahead.isEmpty()) {
      if (st.refused != null) {
        st.refused = null;
        problems.clear(Problems.Kind.INPUT_BEHIND_CHECKPOINT, COMPONENT, st.id);
      }
      return opened;
    }
    String found = ResumePoint.describe(ahead, opened);
    if (options.resetOnInputReset()) {
      LOG.warn("{}: the partition ends at offset {} but the checkpoints of {} lie beyond it: the topic was recreated "
          + "or its data wiped. As asked (ingest.on.input.reset=reset), those sinks start again at offset 0; what "
          + "they stored stays", st.id, end, found);
      long gen = st.generation;
      requests.reset(ahead, st.id).onComplete(ar -> {
        if (gen != st.generation) {
          return;
        }
        if (ar.failed()) {
          LOG.warn("{}: resetting the sinks failed: {}", st.id, ar.cause().toString());
        }
        rewind(st, gen, ar.failed() ? ar.cause() : null);
      });
      return null;
    }
    st.refused = st.id + " ends at offset " + end + " but the checkpoint of " + found + ": the topic was deleted and "
        + "created again, or Kafka's data was wiped while Pulse's state was kept. Pulse does not skip the new "
        + "records: the partition is not processed. To process it from offset 0, keeping the results already "
        + "stored, restart with --reset-on-new-topic (ingest.on.input.reset=reset)";
    problems.report(Problems.Kind.INPUT_BEHIND_CHECKPOINT, COMPONENT, st.id, st.refused);
    LOG.error("{}", st.refused);
    return null;
  }

  /**
   * Forgets what is in flight and resumes from what the sinks have made durable: after a failed hand-over
   * ({@code cause}, backing off when it keeps failing), or to take a suspended sink back (no cause).
   */
  private void rewind(PartitionState st, long gen, Throwable cause) {
    if (gen != st.generation || !st.assigned || stopping) {
      return;
    }
    long delay = 0;
    if (cause != null) {
      st.rewinds++;
      delay = st.rewinds == 1 ? 0 : backoff(st.rewinds - 1);
      problems.report(Problems.Kind.PARTITION_REWOUND, COMPONENT, st.id, "hand-over failed (" + message(cause)
          + "); reading again from the sinks' durable state" + (delay > 0 ? " in " + delay / 1000.0 + " s" : ""));
      LOG.warn("{}: hand-over failed ({}); rewinding to the sinks' durable state{}", st.id, cause.toString(),
          delay > 0 ? " in " + delay + " ms" : "");
    }
    st.accepting = false;
    st.opening = true;
    long newGen = ++st.generation;
    consumer.pause(st.tp);
    long wait = delay;
    st.tail = st.tail.transform(ignored -> wait == 0 ? open(st, newGen)
        : vertx.timer(wait).compose(v -> open(st, newGen)));
  }

  /** Lets the sinks write what they hold for the partition and give it up. */
  private Future<Void> release(PartitionState st) {
    st.assigned = false;
    st.accepting = false;
    long gen = ++st.generation;
    Future<Void> done = st.tail.transform(ignored -> requests.close(st))
        .andThen(ar -> {
          if (ar.failed()) {
            LOG.warn("{}: not every sink released cleanly: {}", st.id, ar.cause().toString());
          }
          if (gen == st.generation && !st.assigned) {
            partitions.remove(st.id);
            metrics.forgetLag(st.id);
            problems.clearPartition(COMPONENT, st.id);
            sinks.forEach(sink -> problems.clear(Problems.Kind.SINK_SUSPENDED, sink.id(), st.id));
          }
        })
        .mapEmpty();
    st.tail = done;
    return done;
  }

  // ---------------------------------------------------------------- progress, lag and commits

  private void onSinkProgress(Message<SinkProgress> message) {
    SinkProgress p = message.body();
    PartitionState st = partitions.get(p.partition());
    if (st != null) {
      st.durable.merge(p.sink(), p.nextOffset(), Math::max);
    }
  }

  private void reportProgress() {
    progress.commitDurable();
    progress.measureLag();
    long now = clock.millis();
    retrySuspendedSinks(now);
    progress.reportStalls(now);
    progress.logThroughput(now);
  }

  /**
   * A suspended sink whose backoff is over is asked to open the partition first; only when it can is the
   * partition rewound to take it back. While its dependency is still down nothing is read again.
   */
  private void retrySuspendedSinks(long now) {
    for (PartitionState st : new ArrayList<>(partitions.values())) {
      if (!st.assigned || st.opening) {
        continue;
      }
      List<Sink> due = st.suspended.entrySet().stream().filter(e -> e.getValue().retryAt() <= now)
          .map(Map.Entry::getKey).toList();
      if (due.isEmpty()) {
        continue;
      }
      long gen = st.generation;
      st.opening = true;
      List<Future<SinkCheckpoint>> probes = requests.probe(due, st.id);
      Future.join(probes).onComplete(ignored -> {
        if (gen != st.generation) {
          return; // rewound or released meanwhile; that took the partition over
        }
        st.opening = false;
        boolean back = false;
        for (int i = 0; i < due.size(); i++) {
          if (probes.get(i).succeeded()) {
            back = true;
          } else {
            suspend(st, due.get(i), probes.get(i).cause());
          }
        }
        if (back) {
          LOG.info("{}: {} can write again; reading from its checkpoint", st.id, due.stream().filter(
              s -> probes.get(due.indexOf(s)).succeeded()).map(Sink::id).toList());
          rewind(st, gen, null);
        }
      });
    }
  }
}
