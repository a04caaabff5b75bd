package dev.pulse.common.metrics;

import dev.pulse.common.Sink;
import dev.pulse.common.model.PartitionId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
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
  private final Counter recordsHandedOver;
  private final Counter lateEvents;
  private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
  private final Map<Sink, Counter> sinkEvents = new EnumMap<>(Sink.class);
  private final Map<PartitionId, AtomicLong> lag = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> sinkLag = new ConcurrentHashMap<>();
  private final Problems problems;
  private volatile List<String> owned = List.of();
  private final Map<String, Counter> rebalances = new ConcurrentHashMap<>();
  private final Map<String, Timer> handovers = new ConcurrentHashMap<>();

  public PipelineMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.problems = new Problems(registry, System::currentTimeMillis);
    this.recordsRead = Counter.builder("pulse.ingest.records").description("Records read from the input topic")
        .register(registry);
    this.recordsHandedOver = Counter.builder("pulse.ingest.records.handed.over")
        .description("Input records handed to the sinks; beyond the input's size, the work done twice after "
            + "rewinds and partitions changing hands").register(registry);
    this.validEvents = Counter.builder("pulse.ingest.events.valid").description("Valid events handed to the sinks")
        .register(registry);
    this.lateEvents = Counter.builder("pulse.events.late")
        .description("Events older than their partition's watermark (kept out of the windows)").register(registry);
    Gauge.builder("pulse.partitions.owned", this, m -> m.owned.size())
        .description("Input partitions this node's ingest owns").register(registry);
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

  public void recordsHandedOver(long n) {
    recordsHandedOver.increment(n);
  }

  public long recordsHandedOver() {
    return (long) recordsHandedOver.count();
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

  /** The group gave this node partitions ({@code assigned}), took them back ({@code revoked}) or they were lost. */
  public void rebalance(String change, int partitions, Collection<String> ownedNow) {
    rebalances.computeIfAbsent(change, c -> Counter.builder("pulse.rebalances").tag("change", c)
        .description("Partitions assigned to, revoked from or lost by this node's ingest").register(registry))
        .increment(partitions);
    owned = List.copyOf(new TreeSet<>(ownedNow));
  }

  /** Partitions assigned, revoked and lost since this node started, by change. */
  public JsonObject rebalanceCounts() {
    JsonObject counts = new JsonObject();
    new TreeMap<>(rebalances).forEach((change, c) -> counts.put(change, (long) c.count()));
    return counts;
  }

  /** The input partitions this node's ingest owns now ({@code topic-partition}), sorted. */
  public List<String> ownedPartitions() {
    return owned;
  }

  /** How long a revocation waited for the sinks to flush, and whether it finished before the hand-over timeout. */
  public void handover(boolean completed, long millis) {
    handovers.computeIfAbsent(completed ? "completed" : "timed_out", o -> Timer.builder("pulse.handover")
        .tag("outcome", o).description("Revocations of partitions: the wait for the sinks to flush and checkpoint")
        .register(registry)).record(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
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
        .put("rebalances", rebalanceCounts())
        .put("problems", problems.toJson());
  }
}
