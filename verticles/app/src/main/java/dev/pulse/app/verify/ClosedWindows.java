package dev.pulse.app.verify;

import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.time.WatermarkTracker;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which windows both sides vouch for. PostgreSQL's windows are final once every partition's watermark has passed
 * their end. The lake holds every event of those windows if, for each partition, it has committed at least the
 * offsets PostgreSQL has: any later event of such a window was marked late. Where the lake is behind (it commits
 * in rolls, PostgreSQL every flush), its own watermark bounds that partition instead, so a lagging lake makes
 * fewer windows comparable rather than showing false differences; each such case is named in a note.
 */
final class ClosedWindows {

  /** No window is closed. */
  static final long NONE = WatermarkTracker.NONE;

  /** A row of {@code pulse_partition_progress}; watermark {@link #NONE} where it is NULL. */
  record PgProgress(long nextOffset, long watermark) {
  }

  /**
   * Windows ending at or before {@code closedBefore} are compared ({@link #NONE}: none); {@code limitingPartition}
   * holds it back (-1 if none does).
   */
  record Coverage(long closedBefore, int limitingPartition, List<PartitionCoverage> partitions, List<String> notes) {
  }

  private ClosedWindows() {
  }

  static Coverage decide(Map<Integer, PgProgress> pg, Map<Integer, SinkCheckpoint> lake) {
    TreeSet<Integer> partitions = new TreeSet<>(pg.keySet());
    partitions.addAll(lake.keySet());
    List<PartitionCoverage> coverage = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    long closedBefore = Long.MAX_VALUE;
    int limiting = -1;
    for (int p : partitions) {
      PgProgress stored = pg.get(p);
      SinkCheckpoint lakeProgress = lake.get(p);
      boolean pgHasEvents = stored != null && stored.watermark() != NONE;
      boolean lakeHasEvents = lakeProgress != null && lakeProgress.maxEventTime() != NONE;
      long bound;
      if (!pgHasEvents && !lakeHasEvents) {
        bound = Long.MAX_VALUE; // nothing from this partition yet: it holds no window back
      } else if (!pgHasEvents) {
        bound = NONE;
        notes.add("partition " + p + ": the lake holds events up to offset " + lakeProgress.nextOffset()
            + " but PostgreSQL has no watermark for it yet, so no window is closed");
      } else if (lakeProgress == null || lakeProgress.nextOffset() < stored.nextOffset()) {
        long lakeWatermark = lakeProgress == null ? NONE : lakeProgress.watermark();
        bound = Math.min(stored.watermark(), lakeWatermark);
        notes.add("partition " + p + ": the lake is behind PostgreSQL (offsets below "
            + (lakeProgress == null ? 0 : lakeProgress.nextOffset()) + " of " + stored.nextOffset() + "), "
            + (lakeWatermark == NONE ? "so no window is compared"
                : "so windows ending after its lake watermark " + Instant.ofEpochMilli(lakeWatermark)
                    + " are not compared"));
      } else {
        bound = stored.watermark();
      }
      if (bound < closedBefore) {
        closedBefore = bound;
        limiting = p;
      }
      coverage.add(new PartitionCoverage(p,
          stored == null ? null : stored.nextOffset(),
          stored == null ? null : instant(stored.watermark()),
          lakeProgress == null ? null : lakeProgress.nextOffset(),
          lakeProgress == null ? null : instant(lakeProgress.watermark()),
          bound == Long.MAX_VALUE ? null : instant(bound)));
    }
    if (closedBefore == Long.MAX_VALUE) {
      notes.add("no partition has events yet");
      closedBefore = NONE;
    }
    return new Coverage(closedBefore, limiting, coverage, notes);
  }

  private static Instant instant(long millis) {
    return millis == NONE ? null : Instant.ofEpochMilli(millis);
  }
}
