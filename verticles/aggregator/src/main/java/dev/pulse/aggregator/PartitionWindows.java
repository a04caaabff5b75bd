package dev.pulse.aggregator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import dev.pulse.common.time.WatermarkTracker;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;

/**
 * The event-time window state of one Kafka partition: page-view counts per 1-minute window and URL, and
 * one HLL sketch of user ids per 1-minute pane. No clock and no I/O.
 *
 * <p>Which events are late is decided upstream, by ingest's {@link dev.pulse.common.time.WatermarkTracker},
 * so that every sink agrees; this class takes the on-time events, counts the late ones, and moves its
 * watermark when told. A window is final once the watermark reaches its end; an event that would land in a
 * final window is counted as late whatever it was marked, so a final window never changes again.
 *
 * <p>Changes since the last {@link #checkpoint()} are tracked so that a checkpoint carries only what must be
 * written, together with the offset and watermark it covers.
 */
public final class PartitionWindows {

  /** No event seen yet. */
  public static final long NO_TIME = WatermarkTracker.NONE;

  public enum Outcome { ON_TIME, LATE }

  public record PageCount(long windowStart, String pageUrl, long count) {
  }

  public record PaneSketch(long paneStart, byte[] sketch) {
  }

  /** What changed since the previous checkpoint, and the progress it brings the partition to. */
  public record Checkpoint(
      long nextOffset,
      long watermark,
      long maxEventTime,
      long lateEvents,
      List<PageCount> pageCounts,
      List<PaneSketch> panes) {

    public Checkpoint {
      pageCounts = List.copyOf(pageCounts);
      panes = List.copyOf(panes);
    }
  }

  private record PageKey(long windowStart, String pageUrl) {
  }

  private final int lgK;

  private long nextOffset;
  private long watermark = NO_TIME;
  private long maxEventTime = NO_TIME;
  private long lateEvents;

  private final NavigableMap<Long, Map<String, Long>> pageCounts = new TreeMap<>();
  private final NavigableMap<Long, HllSketch> panes = new TreeMap<>();
  private final Set<PageKey> dirtyPages = new HashSet<>();
  private final Set<Long> dirtyPanes = new TreeSet<>();
  private boolean progressDirty;

  public PartitionWindows(int lgK) {
    this.lgK = lgK;
  }

  /** State as a checkpoint left it: progress plus the windows that were still open. */
  public static PartitionWindows restore(int lgK, long nextOffset, long watermark, long maxEventTime,
      long lateEvents, List<PageCount> openPageCounts, List<PaneSketch> openPanes) {
    PartitionWindows w = new PartitionWindows(lgK);
    w.nextOffset = nextOffset;
    w.watermark = watermark;
    w.maxEventTime = maxEventTime;
    w.lateEvents = lateEvents;
    for (PageCount pc : openPageCounts) {
      if (pc.windowStart() + Windows.PAGE_VIEW_SIZE_MS > watermark) {
        w.pageCounts.computeIfAbsent(pc.windowStart(), k -> new HashMap<>()).put(pc.pageUrl(), pc.count());
      }
    }
    for (PaneSketch ps : openPanes) {
      if (ps.paneStart() + Windows.PANE_MS > watermark) {
        w.panes.put(ps.paneStart(), HllSketch.heapify(ps.sketch()));
      }
    }
    return w;
  }

  /**
   * Adds one event that ingest found on time. It is counted as late instead if it is older than this
   * state's watermark (which can only happen if the two ever disagree), so that a final window stays final.
   *
   * @param pageView whether it counts as a page view
   */
  public Outcome add(long eventTime, boolean pageView, String pageUrl, String userId) {
    Objects.requireNonNull(pageUrl);
    Objects.requireNonNull(userId);
    if (watermark != NO_TIME && eventTime < watermark) {
      countLate();
      return Outcome.LATE;
    }
    if (pageView) {
      long start = Windows.pageViewWindowStart(eventTime);
      pageCounts.computeIfAbsent(start, k -> new HashMap<>()).merge(pageUrl, 1L, Long::sum);
      dirtyPages.add(new PageKey(start, pageUrl));
    }
    long pane = Windows.paneStart(eventTime);
    panes.computeIfAbsent(pane, k -> new HllSketch(lgK, TgtHllType.HLL_8)).update(userId);
    dirtyPanes.add(pane);
    progressDirty = true;
    return Outcome.ON_TIME;
  }

  /** One more event that missed its windows. */
  public void countLate() {
    lateEvents++;
    progressDirty = true;
  }

  /** Records that every offset before {@code offset} has been applied. */
  public void advanceOffset(long offset) {
    if (offset > nextOffset) {
      nextOffset = offset;
      progressDirty = true;
    }
  }

  /**
   * Takes the partition's event-time state after a batch. Windows ending at or before the watermark are
   * final from now on.
   *
   * @return whether the watermark moved
   */
  public boolean advanceWatermark(long newWatermark, long newMaxEventTime) {
    if (newMaxEventTime > maxEventTime) {
      maxEventTime = newMaxEventTime;
      progressDirty = true;
    }
    if (newWatermark <= watermark) {
      return false;
    }
    watermark = newWatermark;
    progressDirty = true;
    return true;
  }

  public boolean hasChanges() {
    return progressDirty || !dirtyPages.isEmpty() || !dirtyPanes.isEmpty();
  }

  /** Takes what changed since the last checkpoint and starts tracking anew. */
  public Checkpoint checkpoint() {
    List<PageCount> changedCounts = new ArrayList<>(dirtyPages.size());
    for (PageKey key : dirtyPages) {
      changedCounts.add(new PageCount(key.windowStart(), key.pageUrl(),
          pageCounts.get(key.windowStart()).get(key.pageUrl())));
    }
    List<PaneSketch> changedPanes = new ArrayList<>(dirtyPanes.size());
    for (long pane : dirtyPanes) {
      changedPanes.add(new PaneSketch(pane, panes.get(pane).toCompactByteArray()));
    }
    dirtyPages.clear();
    dirtyPanes.clear();
    progressDirty = false;
    return new Checkpoint(nextOffset, watermark, maxEventTime, lateEvents, changedCounts, changedPanes);
  }

  /** A checkpoint could not be written: its windows must go into the next one again. */
  public void checkpointFailed(Checkpoint failed) {
    for (PageCount pc : failed.pageCounts()) {
      if (pageCounts.containsKey(pc.windowStart())) {
        dirtyPages.add(new PageKey(pc.windowStart(), pc.pageUrl()));
      }
    }
    for (PaneSketch ps : failed.panes()) {
      if (panes.containsKey(ps.paneStart())) {
        dirtyPanes.add(ps.paneStart());
      }
    }
    progressDirty = true;
  }

  /**
   * Forgets the windows that were final when {@code durable} was taken; it has been written, so they are
   * in the database for good.
   */
  public void evictFinal(Checkpoint durable) {
    long w = durable.watermark();
    if (w == NO_TIME) {
      return;
    }
    pageCounts.headMap(w - Windows.PAGE_VIEW_SIZE_MS, true).clear();
    panes.headMap(w - Windows.PANE_MS, true).clear();
  }

  public long nextOffset() {
    return nextOffset;
  }

  public long watermark() {
    return watermark;
  }

  public long maxEventTime() {
    return maxEventTime;
  }

  public long lateEvents() {
    return lateEvents;
  }

  /** Open page-view windows held in memory (for eviction tests and status). */
  public int openPageViewWindows() {
    return pageCounts.size();
  }

  public int openPanes() {
    return panes.size();
  }

  /** The count in memory for a window and URL, 0 if none. */
  public long pageViews(long windowStart, String pageUrl) {
    Map<String, Long> m = pageCounts.get(windowStart);
    return m == null ? 0 : m.getOrDefault(pageUrl, 0L);
  }

  public int lgK() {
    return lgK;
  }
}
