package dev.pulse.ingest;

import dev.pulse.common.Sink;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.time.WatermarkTracker;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where a partition is read from when it is opened, decided from what its sinks say their durable output covers.
 * Plain Java: no Kafka, no Vert.x.
 */
final class ResumePoint {

  private ResumePoint() {
  }

  /**
   * The checkpoint to resume from: the smallest offset, since every sink skips what it has. Sinks at the same
   * offset agree on the event-time state; should they not, the most advanced watermark wins, so that no window
   * a sink already finalized can be reopened.
   */
  static SinkCheckpoint earliest(List<SinkCheckpoint> checkpoints) {
    long offset = checkpoints.stream().mapToLong(SinkCheckpoint::nextOffset).min().orElse(0);
    long watermark = WatermarkTracker.NONE;
    long max = WatermarkTracker.NONE;
    for (SinkCheckpoint c : checkpoints) {
      if (c.nextOffset() == offset) {
        watermark = Math.max(watermark, c.watermark());
        max = Math.max(max, c.maxEventTime());
      }
    }
    return new SinkCheckpoint(offset, watermark, max);
  }

  /**
   * The sinks whose checkpoint lies beyond the end of the log: they have seen another incarnation of the topic
   * (it was deleted and created again, or Kafka's data was wiped while the sink's storage survived) and would skip
   * every new record below their checkpoint.
   */
  static List<Sink> aheadOfLogEnd(Map<Sink, SinkCheckpoint> checkpoints, long logEnd) {
    return checkpoints.entrySet().stream().filter(e -> e.getValue().nextOffset() > logEnd).map(Map.Entry::getKey)
        .sorted().toList();
  }

  /** "aggregator at offset 120, lake-writer at offset 90", for the log and {@code /health}. */
  static String describe(List<Sink> sinks, Map<Sink, SinkCheckpoint> checkpoints) {
    return sinks.stream().map(s -> s.id() + " at offset " + checkpoints.get(s).nextOffset())
        .collect(Collectors.joining(", "));
  }
}
