package dev.pulse.ingest;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What ingest dead-lettered since it last said so: counts per reason and one example each, so the log tells an
 * operator that records are being rejected, and why, without a line per record. Event-loop confined.
 */
final class DeadLetterLog {

  private final Map<String, Long> counts = new TreeMap<>();
  private final Map<String, String> examples = new TreeMap<>();

  void record(String reasonCode, String detail) {
    counts.merge(reasonCode, 1L, Long::sum);
    examples.putIfAbsent(reasonCode, detail);
  }

  /** A one-line summary of what was recorded since the last call, if anything. */
  Optional<String> drain() {
    if (counts.isEmpty()) {
      return Optional.empty();
    }
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder line = new StringBuilder().append(total).append(total == 1 ? " record: " : " records: ");
    String sep = "";
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      line.append(sep).append(e.getValue()).append(' ').append(e.getKey()).append(" (e.g. ")
          .append(examples.get(e.getKey())).append(')');
      sep = ", ";
    }
    counts.clear();
    examples.clear();
    return Optional.of(line.toString());
  }
}
