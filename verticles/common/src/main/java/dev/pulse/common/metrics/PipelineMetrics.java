package dev.pulse.common.metrics;

import dev.pulse.common.Sink;
import dev.pulse.common.model.PartitionId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pipeline's own counters on one node, in a Micrometer registry (scraped at {@code /metrics} with
 * Vert.x's own metrics) and summed into the node's status for the dashboard. Thread-safe.
 */
public final class PipelineMetrics {

  private final MeterRegistry registry;
  private final Counter recordsRead;
  private final Counter validEvents;
  private final Counter lateEvents;
  private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
  private final Map<Sink, Counter> sinkEvents = new EnumMap<>(Sink.class);
  private final Map<PartitionId, AtomicLong> lag = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> sinkLag = new ConcurrentHashMap<>();
  private final Problems problems;

  public PipelineMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.problems = new Problems(registry, System::currentTimeMillis);
    this.recordsRead = Counter.builder("pulse.ingest.records").description("Records read from the input topic")
        .register(registry);
    this.validEvents = Counter.builder("pulse.ingest.events.valid").description("Valid events handed to the sinks")
        .register(registry);
    this.lateEvents = Counter.builder("pulse.events.late")
        .description("Events older than their partition's watermark (kept out of the windows)").register(registry);
    for (Sink sink : Sink.values()) {
      sinkEvents.put(sink, Counter.builder("pulse.sink.events").tag("sink", sink.id())
          .description("Events a sink has made durable").register(registry));
    }
  }

  /** Counters that only live in this process (tests, tools). */
  public static PipelineMetrics inMemory() {
    return new PipelineMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** What keeps this node's pipeline from progressing now. */
  public Problems problems() {
    return problems;
  }

  public void recordsRead(long n) {
    recordsRead.increment(n);
  }

  public void validEvents(long n) {
    validEvents.increment(n);
  }

  public void lateEvents(long n) {
    lateEvents.increment(n);
  }

  public void deadLettered(String reasonCode) {
    deadLettered.computeIfAbsent(reasonCode, r -> Counter.builder("pulse.dlq.records").tag("reason", r)
        .description("Invalid records sent to the dead-letter topic").register(registry)).increment();
  }

  public void sinkEvents(Sink sink, long n) {
    sinkEvents.get(sink).increment(n);
  }

  /**
   * Records of an owned partition between the end of the log and the last checkpoint every sink has made
   * durable (what a crash now would make the node read again); a partition given up is forgotten.
   */
  public void lag(PartitionId partition, long records) {
    lag.computeIfAbsent(partition, p -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder("pulse.consumer.lag", value, AtomicLong::get).tag("topic", p.topic())
          .tag("partition", Integer.toString(p.partition()))
          .description("Records between the end of the partition and the oldest durable sink checkpoint")
          .register(registry);
      return value;
    }).set(records);
  }

  /** Records between the end of the partition and one sink's durable checkpoint. */
  public void sinkLag(Sink sink, PartitionId partition, long records) {
    sinkLag.computeIfAbsent(sink.id() + "/" + partition, k -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder("pulse.sink.lag", value, AtomicLong::get).tag("sink", sink.id()).tag("topic", partition.topic())
          .tag("partition", Integer.toString(partition.partition()))
          .description("Records between the end of the partition and the sink's durable checkpoint")
          .register(registry);
      return value;
    }).set(records);
  }

  public void forgetLag(PartitionId partition) {
    AtomicLong value = lag.remove(partition);
    if (value != null) {
      registry.find("pulse.consumer.lag").tag("topic", partition.topic())
          .tag("partition", Integer.toString(partition.partition())).meters().forEach(registry::remove);
    }
    for (Sink sink : Sink.values()) {
      if (sinkLag.remove(sink.id() + "/" + partition) != null) {
        registry.find("pulse.sink.lag").tag("sink", sink.id()).tag("topic", partition.topic())
            .tag("partition", Integer.toString(partition.partition())).meters().forEach(registry::remove);
      }
    }
  }

  public long recordsRead() {
    return (long) recordsRead.count();
  }

  public long validEvents() {
    return (long) validEvents.count();
  }

  public long lateEvents() {
    return (long) lateEvents.count();
  }

  public long deadLettered() {
    return deadLettered.values().stream().mapToLong(c -> (long) c.count()).sum();
  }

  public long sinkEvents(Sink sink) {
    return (long) sinkEvents.get(sink).count();
  }

  public long totalLag() {
    return lag.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** Totals as JSON, for the node's status message. */
  public JsonObject snapshot() {
    JsonObject byReason = new JsonObject();
    new java.util.TreeMap<>(deadLettered).forEach((k, v) -> byReason.put(k, (long) v.count()));
    JsonObject sinks = new JsonObject();
    sinkEvents.forEach((k, v) -> sinks.put(k.id(), (long) v.count()));
    return new JsonObject()
        .put("recordsRead", recordsRead())
        .put("validEvents", validEvents())
        .put("lateEvents", lateEvents())
        .put("deadLettered", deadLettered())
        .put("deadLetteredByReason", byReason)
        .put("sinkEvents", sinks)
        .put("lag", totalLag())
        .put("problems", problems.toJson());
  }
}
