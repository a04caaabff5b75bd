package dev.pulse.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.aggregator.PartitionWindows.Checkpoint;
import dev.pulse.aggregator.PartitionWindows.Outcome;
import dev.pulse.aggregator.PartitionWindows.PageCount;
import dev.pulse.common.time.WatermarkTracker;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PartitionWindowsTest {

  private static final long T0 = Instant.parse("2026-01-15T10:00:00Z").toEpochMilli();
  private static final long SECOND = 1_000;
  private static final long MINUTE = 60 * SECOND;
  private static final long LATENESS = 30 * SECOND;

  private final WatermarkTracker tracker = new WatermarkTracker(LATENESS);
  private PartitionWindows windows = new PartitionWindows(12);

  /** What ingest and the aggregator do together: the tracker decides lateness, the windows take the rest. */
  private Outcome event(long t, boolean pageView, String url, String user) {
    Outcome outcome;
    if (tracker.observe(t)) {
      windows.countLate();
      outcome = Outcome.LATE;
    } else {
      outcome = windows.add(t, pageView, url, user);
    }
    windows.advanceWatermark(tracker.watermark(), tracker.maxEventTime());
    return outcome;
  }

  private Outcome view(long t, String url) {
    return event(t, true, url, "u-1");
  }

  @Test
  void anEventExactlyOnAMinuteBoundaryBelongsToTheWindowThatStartsThere() {
    view(T0 + MINUTE, "/a");
    assertEquals(1, windows.pageViews(T0 + MINUTE, "/a"));
    assertEquals(0, windows.pageViews(T0, "/a"));
  }

  @Test
  void theLastMillisecondOfAMinuteBelongsToThatMinute() {
    view(T0 + MINUTE - 1, "/a");
    assertEquals(1, windows.pageViews(T0, "/a"));
  }

  @Test
  void onlyPageViewsAreCounted() {
    event(T0, false, "/a", "u-1");
    view(T0 + 1, "/a");
    assertEquals(1, windows.pageViews(T0, "/a"));
  }

  @Test
  void outOfOrderEventsWithinTheLatenessAreCounted() {
    assertEquals(Outcome.ON_TIME, view(T0 + 70 * SECOND, "/a")); // watermark 10:00:40
    assertEquals(Outcome.ON_TIME, view(T0 + 45 * SECOND, "/a")); // 5 s before... still after the watermark
    assertEquals(Outcome.ON_TIME, view(T0 + 40 * SECOND, "/a")); // exactly at the watermark: not late
    assertEquals(3, windows.pageViews(T0, "/a") + windows.pageViews(T0 + MINUTE, "/a"));
    assertEquals(0, windows.lateEvents());
  }

  @Test
  void anEventOlderThanTheWatermarkIsLateAndChangesNoWindow() {
    view(T0 + 90 * SECOND, "/a"); // watermark 10:01:00, window [10:00,10:01) is final
    assertEquals(Outcome.LATE, view(T0 + 59 * SECOND, "/a"));
    assertEquals(Outcome.LATE, event(T0 + 59 * SECOND, false, "/a", "u-2"));
    assertEquals(0, windows.pageViews(T0, "/a"));
    assertEquals(2, windows.lateEvents());
    assertEquals(T0 + MINUTE, windows.watermark());
  }

  @Test
  void theWatermarkNeverMovesBack() {
    view(T0 + 90 * SECOND, "/a");
    view(T0 + 61 * SECOND, "/a");
    assertEquals(T0 + MINUTE, windows.watermark());
    assertEquals(T0 + 90 * SECOND, windows.maxEventTime());
  }

  @Test
  void anEventMarkedOnTimeButBeforeTheWindowsWatermarkIsCountedLateSoFinalWindowsStayFinal() {
    windows.advanceWatermark(T0 + MINUTE, T0 + 90 * SECOND);
    assertEquals(Outcome.LATE, windows.add(T0 + 59 * SECOND, true, "/a", "u-1"));
    assertEquals(0, windows.pageViews(T0, "/a"));
    assertEquals(1, windows.lateEvents());
  }

  @Test
  void anIdleWatermarkFinalizesTheLastWindows() {
    view(T0 + 10 * SECOND, "/a");
    assertTrue(tracker.advanceTo(T0 + 2 * MINUTE));
    assertTrue(windows.advanceWatermark(tracker.watermark(), tracker.maxEventTime()));
    assertFalse(windows.advanceWatermark(T0 + MINUTE, T0), "never backwards");
    assertEquals(Outcome.LATE, view(T0 + 90 * SECOND, "/a"));
  }

  @Test
  void aCheckpointCarriesOnlyWhatChangedWithTheOffsetItCovers() {
    view(T0, "/a");
    view(T0 + 1, "/a");
    view(T0 + 2, "/b");
    windows.advanceOffset(3);
    Checkpoint first = windows.checkpoint();
    assertEquals(3, first.nextOffset());
    assertEquals(Map.of("/a", 2L, "/b", 1L), byUrl(first.pageCounts()));
    assertEquals(1, first.panes().size());
    assertFalse(windows.hasChanges());

    view(T0 + 3, "/b");
    windows.advanceOffset(4);
    Checkpoint second = windows.checkpoint();
    assertEquals(Map.of("/b", 2L), byUrl(second.pageCounts()));
    assertEquals(4, second.nextOffset());
  }

  @Test
  void aFailedCheckpointIsWrittenAgainWithTheNewerValues() {
    view(T0, "/a");
    Checkpoint failed = windows.checkpoint();
    view(T0 + 1, "/c");
    windows.checkpointFailed(failed);
    Checkpoint retry = windows.checkpoint();
    assertEquals(Map.of("/a", 1L, "/c", 1L), byUrl(retry.pageCounts()));
  }

  @Test
  void finalWindowsAreEvictedOnlyAfterTheCheckpointThatCoversThem() {
    view(T0, "/a");
    view(T0 + 3 * MINUTE, "/a"); // watermark 10:02:30: [10:00,10:01) and [10:01,10:02) final
    assertEquals(2, windows.openPageViewWindows());
    Checkpoint cp = windows.checkpoint();
    windows.evictFinal(cp);
    assertEquals(1, windows.openPageViewWindows());
    assertEquals(1, windows.openPanes());
    assertEquals(1, windows.pageViews(T0 + 3 * MINUTE, "/a"));
  }

  @Test
  void restoredStateContinuesExactlyWhereTheCheckpointEnded() {
    view(T0 + 10 * SECOND, "/a");
    view(T0 + 20 * SECOND, "/a");
    windows.advanceOffset(2);
    Checkpoint cp = windows.checkpoint();
    windows = PartitionWindows.restore(12, cp.nextOffset(), cp.watermark(), cp.maxEventTime(), cp.lateEvents(),
        cp.pageCounts(), cp.panes());
    event(T0 + 30 * SECOND, true, "/a", "u-2");
    assertEquals(3, windows.pageViews(T0, "/a"));
    assertEquals(2, windows.nextOffset());
    assertEquals(Outcome.LATE, event(T0 - SECOND, true, "/a", "u-3"));
  }

  private static Map<String, Long> byUrl(List<PageCount> counts) {
    Map<String, Long> m = new HashMap<>();
    counts.forEach(pc -> m.merge(pc.pageUrl(), pc.count(), Long::sum));
    return m;
  }
}
