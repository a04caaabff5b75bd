package dev.pulse.aggregator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * Distinct users of 5-minute windows sliding by one minute, from per-pane HLL sketches of any number of
 * partitions. Sketches of the same pane from different partitions are merged first, then each window merges
 * its five panes: HLL unions are exact set unions of the sketches, so the result does not depend on how
 * users are spread over partitions.
 */
public final class ActiveUserWindows {

  public record Estimate(long windowStart, long windowEnd, long activeUsers) {
  }

  private ActiveUserWindows() {
  }

  /** The windows that contain any of the given panes. */
  public static Set<Long> windowsCovering(Iterable<Long> paneStarts) {
    Set<Long> windows = new TreeSet<>();
    for (long pane : paneStarts) {
      for (long start = Windows.firstActiveWindowStartCovering(pane); start <= pane;
          start += Windows.ACTIVE_USERS_SLIDE_MS) {
        windows.add(start);
      }
    }
    return windows;
  }

  /**
   * @param sketchesByPane serialized sketches per pane start, any number per pane (one per partition)
   * @param windowStarts   windows to estimate; the result is in window order
   */
  public static List<Estimate> estimate(Map<Long, List<byte[]>> sketchesByPane, Set<Long> windowStarts, int lgK) {
    NavigableMap<Long, HllSketch> merged = new TreeMap<>();
    for (Map.Entry<Long, List<byte[]>> e : sketchesByPane.entrySet()) {
      Union union = new Union(lgK);
      for (byte[] bytes : e.getValue()) {
        union.update(HllSketch.heapify(bytes));
      }
      merged.put(e.getKey(), union.getResult(TgtHllType.HLL_8));
    }
    List<Estimate> out = new ArrayList<>(windowStarts.size());
    for (long start : new TreeSet<>(windowStarts)) {
      long end = start + Windows.ACTIVE_USERS_SIZE_MS;
      Union union = new Union(lgK);
      for (HllSketch pane : merged.subMap(start, true, end, false).values()) {
        union.update(pane);
      }
      out.add(new Estimate(start, end, Math.round(union.getEstimate())));
    }
    return out;
  }
}
