package dev.pulse.dashboard;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
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

  private record PageKey(long windowStart, String pageUrl) {
  }

  private final NavigableMap<Long, Map<String, Map<String, Long>>> pages = new TreeMap<>(); // start -> url -> partition -> n
  private final NavigableMap<Long, JsonObject> activeUsers = new TreeMap<>();
  private final Map<PageKey, Long> changedPages = new LinkedHashMap<>();
  private final Map<Long, JsonObject> changedActive = new LinkedHashMap<>();

  /** One partition's counts from an aggregator checkpoint. */
  public void pageCounts(String partitionKey, JsonArray rows) {
    for (int i = 0; i < rows.size(); i++) {
      JsonObject r = rows.getJsonObject(i);
      long start = r.getLong("windowStart");
      String url = r.getString("pageUrl");
      Map<String, Long> byPartition = pages.computeIfAbsent(start, k -> new HashMap<>())
          .computeIfAbsent(url, k -> new HashMap<>());
      long before = byPartition.getOrDefault(partitionKey, 0L);
      long views = r.getLong("views");
      if (views > before) {
        byPartition.put(partitionKey, views);
        changedPages.put(new PageKey(start, url), total(byPartition));
      }
    }
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
    JsonArray out = new JsonArray();
    changedPages.forEach((k, total) -> out.add(pageRow(k.windowStart(), k.pageUrl(), total)));
    changedPages.clear();
    return out;
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
    for (Map.Entry<Long, Map<String, Map<String, Long>>> w : pages.entrySet()) {
      List<Map.Entry<String, Long>> totals = new ArrayList<>();
      w.getValue().forEach((url, byPartition) -> totals.add(Map.entry(url, total(byPartition))));
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
    pages.headMap(now - PAGE_HISTORY_MS, false).clear();
    activeUsers.headMap(now - ACTIVE_HISTORY_MS, false).clear();
  }

  public long pageViews(long windowStart, String url) {
    Map<String, Map<String, Long>> w = pages.get(windowStart);
    return w == null || !w.containsKey(url) ? 0 : total(w.get(url));
  }

  private static long total(Map<String, Long> byPartition) {
    return byPartition.values().stream().mapToLong(Long::longValue).sum();
  }

  private static JsonObject pageRow(long start, String url, long views) {
    return new JsonObject().put("windowStart", start).put("windowEnd", start + 60_000).put("pageUrl", url)
        .put("views", views);
  }
}
