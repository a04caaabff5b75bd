package dev.pulse.common.metrics;

import dev.pulse.common.model.PartitionId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * What keeps this node's pipeline from making progress right now: a partition whose checkpoints fail, a sink
 * that cannot write, a partition paused too long, input that no longer matches the stored checkpoints. Each
 * component reports a problem when it sees it and clears it when it is over; the node's heartbeat carries
 * them, so {@code /health} on any dashboard answers 503 naming the node, partition and reason. Every report
 * also counts in {@code pulse_failures_total{kind,component}}, and {@code pulse_problems{kind}} shows how many
 * are open. Thread-safe.
 */
public final class Problems {

  /** The kinds of failure, as they appear in {@code /health} and {@code /metrics}. */
  public enum Kind {
    /** A sink could not make a partition's output durable (PostgreSQL checkpoint, lake roll, Kafka transaction). */
    SINK_WRITE_FAILED,
    /** A sink could not open a partition (claim it, read its checkpoint). */
    SINK_OPEN_FAILED,
    /** Ingest stopped handing a partition to one sink after it failed; the others go on; it is retried. */
    SINK_SUSPENDED,
    /** A partition's hand-over failed and it is read again from the sinks' durable state. */
    PARTITION_REWOUND,
    /** A partition paused by backpressure for longer than {@code ingest.stall.timeout}. */
    PARTITION_STALLED,
    /** A sink's checkpoint lies beyond the end of the input log: the topic was recreated or wiped. */
    INPUT_BEHIND_CHECKPOINT;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One open problem. {@code partition} is null for a problem of the whole component. */
  public record Problem(Kind kind, String component, String partition, String reason, long since) {

    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("kind", kind.id()).put("component", component);
      if (partition != null) {
        json.put("partition", partition);
      }
      return json.put("reason", reason).put("since", since);
    }
  }

  private record Key(Kind kind, String component, String partition) {
  }

  private final MeterRegistry registry;
  private final LongSupplier clock;
  private final Map<Key, Problem> open = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  Problems(MeterRegistry registry, LongSupplier clock) {
    this.registry = registry;
    this.clock = clock;
    for (Kind kind : Kind.values()) {
      Gauge.builder("pulse.problems", () -> open.keySet().stream().filter(k -> k.kind() == kind).count())
          .tag("kind", kind.id()).description("Problems open on this node, by kind (see /health)").register(registry);
    }
  }

  /** Opens a problem, or updates the reason of an open one (keeping when it began); counts a failure. */
  public void report(Kind kind, String component, PartitionId partition, String reason) {
    Key key = new Key(kind, component, partition == null ? null : partition.toString());
    long now = clock.getAsLong();
    open.merge(key, new Problem(kind, component, key.partition(), reason, now),
        (old, fresh) -> new Problem(kind, component, key.partition(), reason, old.since()));
    counters.computeIfAbsent(kind.id() + "/" + component, k -> Counter.builder("pulse.failures")
        .tag("kind", kind.id()).tag("component", component)
        .description("Failures seen on this node, by kind and component").register(registry)).increment();
  }

  /** Whether this problem is open. */
  public boolean isOpen(Kind kind, String component, PartitionId partition) {
    return open.containsKey(new Key(kind, component, partition == null ? null : partition.toString()));
  }

  public void clear(Kind kind, String component, PartitionId partition) {
    open.remove(new Key(kind, component, partition == null ? null : partition.toString()));
  }

  /** Forgets every problem of a partition a component gave up. */
  public void clearPartition(String component, PartitionId partition) {
    String p = partition.toString();
    open.keySet().removeIf(k -> k.component().equals(component) && p.equals(k.partition()));
  }

  public List<Problem> open() {
    return open.values().stream()
        .sorted(Comparator.comparing(Problem::since).thenComparing(p -> Objects.toString(p.partition(), "")))
        .toList();
  }

  public JsonArray toJson() {
    JsonArray out = new JsonArray();
    open().forEach(p -> out.add(p.toJson()));
    return out;
  }
}
