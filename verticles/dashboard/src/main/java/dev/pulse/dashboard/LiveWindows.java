package dev.pulse.dashboard;

import dev.pulse.common.bus.PageViewUpdate;
import dev.pulse.common.model.PartitionId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The recent windows a dashboard shows, kept from the aggregators' updates. Page counts arrive per Kafka
 * partition and are summed here; a partition's count only grows, so an older value arriving late never
 * replaces a newer one. No clock and no I/O: eviction is by the times the caller passes.
 */
public final class LiveWindows {

  /** Page-view windows kept: the last 15 minutes. */
  public static final long PAGE_HISTORY_MS = 15 * 60_000;
  /** Active-user windows kept: the last hour. */
  public static final long ACTIVE_HISTORY_MS = 60 * 60_000;
  /** At most this many URLs per window go into a snapshot (the busiest). */
  public static final int SNAPSHOT_URLS_PER_WINDOW = 50;

  /** One page in one window: its count per partition (by partition index) and their sum. */
  private static final class PageTotal {
    final long windowStart;
    final String pageUrl;
    long[] byPartition = new long[0];
    long total;

    PageTotal(long windowStart, String pageUrl) {
      this.windowStart = windowStart;
      this.pageUrl = pageUrl;
    }
  }

  private final NavigableMap<Long, Map<String, PageTotal>> pages = new TreeMap<>(); // start -> url -> counts
  private final Map<String, Integer> partitionIndexes = new HashMap<>();
  private final NavigableMap<Long, JsonObject> activeUsers = new TreeMap<>();
  private final Set<PageTotal> changedPages = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<Long, JsonObject> changedActive = new LinkedHashMap<>();

  /** One partition's counts from an aggregator checkpoint. */
  public void pageCounts(PageViewUpdate update) {
    int partition = partitionIndex(new PartitionId(update.topic(), update.partition()).toString());
    Map<String, PageTotal> window = null;
    long windowStart = Long.MIN_VALUE;
    for (int i = 0; i < update.size(); i++) {
      long start = update.windowStart(i);
      if (window == null || start != windowStart) { // rows come grouped by window
        window = pages.computeIfAbsent(start, k -> new HashMap<>());
        windowStart = start;
      }
      pageCount(window, start, update.pageUrl(i), partition, update.views(i));
    }
  }

  /** One partition's count of one page in one window (the dashboard's history, read at start). */
  public void pageCount(String partitionKey, long windowStart, String pageUrl, long views) {
    pageCount(pages.computeIfAbsent(windowStart, k -> new HashMap<>()), windowStart, pageUrl,
        partitionIndex(partitionKey), views);
  }

  private void pageCount(Map<String, PageTotal> window, long start, String url, int partition, long views) {
    PageTotal t = window.get(url);
    if (t == null) {
      t = new PageTotal(start, url);
      window.put(url, t);
    }
    if (t.byPartition.length <= partition) {
      t.byPartition = Arrays.copyOf(t.byPartition, Math.max(partition + 1, partitionIndexes.size()));
    }
    long before = t.byPartition[partition];
    if (views > before) {
      t.byPartition[partition] = views;
      t.total += views - before;
      changedPages.add(t);
    }
  }

  private int partitionIndex(String partitionKey) {
    return partitionIndexes.computeIfAbsent(partitionKey, k -> partitionIndexes.size());
  }

  /** Active-user estimates, already merged over partitions. */
  public void activeUsers(JsonArray rows) {
    for (int i = 0; i < rows.size(); i++) {
      JsonObject r = rows.getJsonObject(i);
      long start = r.getLong("windowStart");
      JsonObject row = new JsonObject().put("windowStart", start).put("windowEnd", r.getLong("windowEnd"))
          .put("users", r.getLong("users"));
      activeUsers.put(start, row);
      changedActive.put(start, row);
    }
  }

  /** Page rows whose totals changed since the last call (for the live push). */
  public JsonArray drainChangedPages() {
    JsonArray out = new JsonArray(new ArrayList<>(changedPages.size()));
    changedPages.forEach(t -> out.add(pageRow(t.windowStart, t.pageUrl, t.total)));
    changedPages.clear();
    return out;
  }

  /** Forgets what changed, when no browser is there to be told. */
  public void discardChanges() {
    changedPages.clear();
    changedActive.clear();
  }

  public JsonArray drainChangedActiveUsers() {
    JsonArray out = new JsonArray();
    changedActive.values().forEach(out::add);
    changedActive.clear();
    return out;
  }

  /** What a browser that connects now gets first. */
  public JsonObject snapshot() {
    JsonArray pageRows = new JsonArray();
    for (Map.Entry<Long, Map<String, PageTotal>> w : pages.entrySet()) {
      List<Map.Entry<String, Long>> totals = new ArrayList<>();
      w.getValue().forEach((url, t) -> totals.add(Map.entry(url, t.total)));
      totals.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
          .thenComparing(Map.Entry.comparingByKey()));
      totals.stream().limit(SNAPSHOT_URLS_PER_WINDOW)
          .forEach(e -> pageRows.add(pageRow(w.getKey(), e.getKey(), e.getValue())));
    }
    JsonArray activeRows = new JsonArray();
    activeUsers.values().forEach(activeRows::add);
    return new JsonObject().put("pageViews", pageRows).put("activeUsers", activeRows);
  }

  /** Forgets windows too old to show. */
  public void evict(long now) {
    Map<Long, Map<String, PageTotal>> old = pages.headMap(now - PAGE_HISTORY_MS, false);
    old.values().forEach(w -> changedPages.removeAll(w.values()));
    old.clear();
    activeUsers.headMap(now - ACTIVE_HISTORY_MS, false).clear();
  }

  public long pageViews(long windowStart, String url) {
    Map<String, PageTotal> w = pages.get(windowStart);
    PageTotal t = w == null ? null : w.get(url);
    return t == null ? 0 : t.total;
  }

  private static JsonObject pageRow(long start, String url, long views) {
    return new JsonObject().put("windowStart", start).put("windowEnd", start + 60_000).put("pageUrl", url)
        .put("views", views);
  }
}
