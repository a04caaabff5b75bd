package dev.pulse.producer;

import dev.pulse.producer.EventGenerator.Generated;
import dev.pulse.producer.EventGenerator.Kind;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends generated events at a steady rate until a count or a duration is reached, or it is stopped.
 * {@link #run()} blocks: call it on a thread of its own (the CLI's main thread, a worker).
 */
public final class ProducerRun {

  /** Where a run is; safe to read from any thread. */
  public record Progress(long sent, long acknowledged, long failed, long valid, long late, long invalid,
      boolean finished, String error) {
  }

  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final EventGenerator generator;
  private final double ratePerSecond;
  private final long maxEvents;
  private final Duration maxDuration;
  private final Clock clock;

  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong[] byKind = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicReference<String> error = new AtomicReference<>();

  /**
   * @param maxEvents   stop after this many events; {@code Long.MAX_VALUE} for no limit
   * @param maxDuration stop after this long; {@code null} for no limit
   */
  public ProducerRun(Producer<byte[], byte[]> producer, String topic, GeneratorSpec spec, double ratePerSecond,
      long maxEvents, Duration maxDuration, Clock clock) {
    if (ratePerSecond <= 0) {
      throw new IllegalArgumentException("rate must be > 0");
    }
    this.producer = producer;
    this.topic = topic;
    this.generator = new EventGenerator(spec);
    this.ratePerSecond = ratePerSecond;
    this.maxEvents = maxEvents;
    this.maxDuration = maxDuration;
    this.clock = clock;
  }

  /** Sends until done, then flushes; the producer is left open for the caller to close. */
  public Progress run() {
    long startNanos = System.nanoTime();
    long endNanos = maxDuration == null ? Long.MAX_VALUE : startNanos + maxDuration.toNanos();
    double nanosPerEvent = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
    try {
      for (long i = 0; i < maxEvents && !stopRequested.get(); i++) {
        long due = startNanos + (long) (i * nanosPerEvent);
        long now = System.nanoTime();
        if (due > endNanos || now > endNanos) {
          break;
        }
        if (due > now) {
          LockSupport.parkNanos(due - now);
        }
        Generated g = generator.next(clock.millis());
        byKind[g.kind().ordinal()].incrementAndGet();
        sent.incrementAndGet();
        producer.send(new ProducerRecord<>(topic, g.key(), g.value()), (metadata, e) -> {
          if (e == null) {
            acknowledged.incrementAndGet();
          } else {
            failed.incrementAndGet();
            error.compareAndSet(null, e.toString());
          }
        });
      }
      producer.flush();
    } catch (RuntimeException e) {
      error.compareAndSet(null, e.toString());
    } finally {
      finished.set(true);
    }
    return progress();
  }

  public void stop() {
    stopRequested.set(true);
  }

  public Progress progress() {
    return new Progress(sent.get(), acknowledged.get(), failed.get(), byKind[Kind.VALID.ordinal()].get(),
        byKind[Kind.LATE.ordinal()].get(), byKind[Kind.INVALID.ordinal()].get(), finished.get(), error.get());
  }

  /** Producer settings for throughput with no loss: idempotent, all replicas, small batching delay. */
  public static Map<String, Object> producerConfig(String bootstrapServers, String clientId) {
    return Map.of(
        "bootstrap.servers", bootstrapServers,
        "client.id", clientId,
        "acks", "all",
        "enable.idempotence", "true",
        "linger.ms", "10",
        "batch.size", String.valueOf(256 * 1024),
        "compression.type", "lz4");
  }
}
