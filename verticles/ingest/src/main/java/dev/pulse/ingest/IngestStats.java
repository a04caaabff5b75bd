package dev.pulse.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts of what ingest has read and where it went; shared with metrics and status. */
public final class IngestStats {

  private static final Logger LOG = LoggerFactory.getLogger(IngestStats.class);
  private static final long LOG_EVERY_MS = 10_000;

  private final LongAdder read = new LongAdder();
  private final LongAdder valid = new LongAdder();
  private final LongAdder late = new LongAdder();
  private final Map<String, LongAdder> deadLettered = new ConcurrentHashMap<>();
  private long lastLogAt;
  private long lastLogRead;

  void recordsRead(int n) {
    read.add(n);
  }

  void valid(int n) {
    valid.add(n);
  }

  void late(int n) {
    late.add(n);
  }

  public long lateEvents() {
    return late.sum();
  }

  void deadLettered(String reasonCode) {
    deadLettered.computeIfAbsent(reasonCode, k -> new LongAdder()).increment();
  }

  public long recordsRead() {
    return read.sum();
  }

  public long validEvents() {
    return valid.sum();
  }

  public long deadLettered() {
    return deadLettered.values().stream().mapToLong(LongAdder::sum).sum();
  }

  public Map<String, Long> deadLetteredByReason() {
    Map<String, Long> m = new java.util.TreeMap<>();
    deadLettered.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  /** Logs the read rate now and then, when there is something to say. */
  void log(long now) {
    if (now - lastLogAt < LOG_EVERY_MS) {
      return;
    }
    long total = read.sum();
    if (lastLogAt > 0 && total > lastLogRead) {
      LOG.info("ingest: {} records/s over the last {} s ({} read, {} valid, {} dead-lettered)",
          (total - lastLogRead) * 1000 / (now - lastLogAt), (now - lastLogAt) / 1000, total, valid.sum(),
          deadLettered());
    }
    lastLogAt = now;
    lastLogRead = total;
  }
}
