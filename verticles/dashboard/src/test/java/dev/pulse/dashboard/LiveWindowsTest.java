package dev.pulse.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.bus.PageViewUpdate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveWindowsTest {

  private static final long T0 = 1_764_324_000_000L; // 2025-11-28T10:00:00Z
  private static final long T1 = T0 + 60_000;

  @Test
  void countsArePerPartitionSummedAndNeverGoBack() {
    LiveWindows live = new LiveWindows();
    live.pageCounts(update("clicks", 0).add(T0, "/a", 3).add(T0, "/b", 1).add(T1, "/a", 2));
    live.pageCounts(update("clicks", 1).add(T0, "/a", 4));
    // an older checkpoint of partition 0 arriving late changes nothing
    live.pageCounts(update("clicks", 0).add(T0, "/a", 2));
    // the same partition number of another topic is another partition
    live.pageCounts(update("other", 0).add(T0, "/a", 10));

    assertEquals(17, live.pageViews(T0, "/a"));
    assertEquals(1, live.pageViews(T0, "/b"));
    assertEquals(2, live.pageViews(T1, "/a"));
    assertEquals(0, live.pageViews(T1, "/b"));
  }

  @Test
  void changedRowsArePushedOnceWithTheirTotals() {
    LiveWindows live = new LiveWindows();
    live.pageCounts(update("clicks", 0).add(T0, "/a", 3).add(T1, "/b", 1));
    live.pageCounts(update("clicks", 1).add(T0, "/a", 4));

    Map<String, Long> pushed = rows(live.drainChangedPages());
    assertEquals(Map.of(T0 + "/a", 7L, T1 + "/b", 1L), pushed);
    assertTrue(live.drainChangedPages().isEmpty(), "nothing changed since");

    live.pageCounts(update("clicks", 0).add(T0, "/a", 3).add(T1, "/b", 5)); // /a unchanged
    assertEquals(Map.of(T1 + "/b", 5L), rows(live.drainChangedPages()));

    live.pageCounts(update("clicks", 1).add(T0, "/a", 9));
    live.discardChanges();
    assertTrue(live.drainChangedPages().isEmpty(), "discarded");
    assertEquals(12, live.pageViews(T0, "/a"), "discarding forgets the news, not the counts");
  }

  @Test
  void historyRowsAndUpdatesAddUp() {
    LiveWindows live = new LiveWindows();
    live.pageCount("clicks-0", T0, "/a", 5);
    live.pageCounts(update("clicks", 0).add(T0, "/a", 6));
    live.pageCounts(update("clicks", 2).add(T0, "/a", 1));
    assertEquals(7, live.pageViews(T0, "/a"));
  }

  @Test
  void snapshotHoldsTheBusiestPagesOfEachWindowAndEvictionForgetsOldWindows() {
    LiveWindows live = new LiveWindows();
    PageViewUpdate u = update("clicks", 0);
    for (int i = 0; i < LiveWindows.SNAPSHOT_URLS_PER_WINDOW + 10; i++) {
      u.add(T0, "/p" + i, i + 1);
    }
    live.pageCounts(u.add(T1, "/late", 1));

    JsonArray rows = live.snapshot().getJsonArray("pageViews");
    assertEquals(LiveWindows.SNAPSHOT_URLS_PER_WINDOW + 1, rows.size());
    assertEquals("/p59", rows.getJsonObject(0).getString("pageUrl"), "busiest first");
    assertEquals(60, rows.getJsonObject(0).getLong("views"));
    assertEquals(T0 + 60_000, rows.getJsonObject(0).getLong("windowEnd"));

    live.evict(T1 + LiveWindows.PAGE_HISTORY_MS);
    assertEquals(0, live.pageViews(T0, "/p59"));
    assertEquals(1, live.pageViews(T1, "/late"));
    assertEquals(Map.of(T1 + "/late", 1L), rows(live.drainChangedPages()), "evicted windows are not pushed");
  }

  @Test
  void anUpdateSurvivesTheClusterWireAndAMalformedOneIsRefused() {
    JsonObject wire = new JsonObject(update("clicks", 3).add(T0, "/a", 2).add(T0, "/b", 1).toJson().encode());
    PageViewUpdate back = PageViewUpdate.from(wire);
    assertEquals("clicks", back.topic());
    assertEquals(3, back.partition());
    assertEquals(2, back.size());
    assertEquals(T0, back.windowStart(1));
    assertEquals("/b", back.pageUrl(1));
    assertEquals(1, back.views(1));

    wire.getJsonArray("views").remove(0);
    assertThrows(IllegalArgumentException.class, () -> PageViewUpdate.from(wire));
  }

  private static PageViewUpdate update(String topic, int partition) {
    return PageViewUpdate.of(topic, partition, 4);
  }

  private static Map<String, Long> rows(JsonArray rows) {
    Map<String, Long> out = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      JsonObject r = rows.getJsonObject(i);
      out.put(r.getLong("windowStart") + r.getString("pageUrl"), r.getLong("views"));
    }
    return out;
  }
}
