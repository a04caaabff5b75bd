package dev.pulse.aggregator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
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

  /** One window's count for one URL, and whether the next checkpoint must write it. */
  private static final class PageCounter {
    final long windowStart;
    final String pageUrl;
    long count;
    boolean dirty;

    PageCounter(long windowStart, String pageUrl, long count) {
      this.windowStart = windowStart;
      this.pageUrl = pageUrl;
      this.count = count;
    }
  }

  /** One pane's sketch, and whether the next checkpoint must write it. */
  private static final class Pane {
    final long start;
    final HllSketch sketch;
    boolean dirty;

    Pane(long start, HllSketch sketch) {
      this.start = start;
      this.sketch = sketch;
    }
  }

  private final int lgK;

  private long nextOffset;
  private long watermark = NO_TIME;
  private long maxEventTime = NO_TIME;
  private long lateEvents;

  private final NavigableMap<Long, Map<String, PageCounter>> pageCounts = new TreeMap<>();
  private final NavigableMap<Long, Pane> panes = new TreeMap<>();
  /** What changed since the last checkpoint, each once (its dirty flag says it is here). */
  private final List<PageCounter> dirtyPages = new ArrayList<>();
  private final List<Pane> dirtyPanes = new ArrayList<>();
  private boolean progressDirty;
  // The window and pane the last event fell in: the next one nearly always falls in them too, so most events
  // take one hash lookup and no allocation.
  private long currentWindowStart = NO_TIME;
  private Map<String, PageCounter> currentWindow;
  private Pane currentPane;

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
        w.pageCounts.computeIfAbsent(pc.windowStart(), k -> new HashMap<>())
            .put(pc.pageUrl(), new PageCounter(pc.windowStart(), pc.pageUrl(), pc.count()));
      }
    }
    for (PaneSketch ps : openPanes) {
      if (ps.paneStart() + Windows.PANE_MS > watermark) {
        w.panes.put(ps.paneStart(), new Pane(ps.paneStart(), HllSketch.heapify(ps.sketch())));
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
      if (start != currentWindowStart) {
        currentWindow = pageCounts.computeIfAbsent(start, k -> new HashMap<>());
        currentWindowStart = start;
      }
      PageCounter counter = currentWindow.get(pageUrl);
      if (counter == null) {
        counter = new PageCounter(start, pageUrl, 0);
        currentWindow.put(pageUrl, counter);
      }
      counter.count++;
      if (!counter.dirty) {
        counter.dirty = true;
        dirtyPages.add(counter);
      }
    }
    long paneStart = Windows.paneStart(eventTime);
    Pane pane = currentPane;
    if (pane == null || pane.start != paneStart) {
      pane = panes.computeIfAbsent(paneStart, k -> new Pane(k, new HllSketch(lgK, TgtHllType.HLL_8)));
      currentPane = pane;
    }
    pane.sketch.update(userId);
    if (!pane.dirty) {
      pane.dirty = true;
      dirtyPanes.add(pane);
    }
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
    for (PageCounter c : dirtyPages) {
      changedCounts.add(new PageCount(c.windowStart, c.pageUrl, c.count));
      c.dirty = false;
    }
    dirtyPanes.sort(java.util.Comparator.comparingLong(p -> p.start));
    List<PaneSketch> changedPanes = new ArrayList<>(dirtyPanes.size());
    for (Pane p : dirtyPanes) {
      changedPanes.add(new PaneSketch(p.start, p.sketch.toCompactByteArray()));
      p.dirty = false;
    }
    dirtyPages.clear();
    dirtyPanes.clear();
    progressDirty = false;
    return new Checkpoint(nextOffset, watermark, maxEventTime, lateEvents, changedCounts, changedPanes);
  }

  /** A checkpoint could not be written: its windows must go into the next one again. */
  public void checkpointFailed(Checkpoint failed) {
    for (PageCount pc : failed.pageCounts()) {
      Map<String, PageCounter> window = pageCounts.get(pc.windowStart());
      PageCounter c = window == null ? null : window.get(pc.pageUrl());
      if (c != null && !c.dirty) {
        c.dirty = true;
        dirtyPages.add(c);
      }
    }
    for (PaneSketch ps : failed.panes()) {
      Pane p = panes.get(ps.paneStart());
      if (p != null && !p.dirty) {
        p.dirty = true;
        dirtyPanes.add(p);
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
    if (!pageCounts.containsKey(currentWindowStart)) {
      currentWindowStart = NO_TIME;
      currentWindow = null;
    }
    if (currentPane != null && !panes.containsKey(currentPane.start)) {
      currentPane = null;
    }
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
    Map<String, PageCounter> m = pageCounts.get(windowStart);
    PageCounter c = m == null ? null : m.get(pageUrl);
    return c == null ? 0 : c.count;
  }

  public int lgK() {
    return lgK;
  }
}
