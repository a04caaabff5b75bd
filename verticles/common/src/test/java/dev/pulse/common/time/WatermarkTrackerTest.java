package dev.pulse.common.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WatermarkTrackerTest {

  private static final long T0 = 1_768_471_200_000L; // 2026-01-15T10:00:00Z
  private static final long SECOND = 1_000;

  private final WatermarkTracker tracker = new WatermarkTracker(30 * SECOND);

  @Test
  void theWatermarkTrailsTheLargestEventTimeByTheLateness() {
    assertFalse(tracker.observe(T0 + 70 * SECOND));
    assertEquals(T0 + 40 * SECOND, tracker.watermark());
    assertFalse(tracker.observe(T0 + 50 * SECOND), "out of order but after the watermark");
    assertFalse(tracker.observe(T0 + 40 * SECOND), "exactly at the watermark is on time");
    assertTrue(tracker.observe(T0 + 40 * SECOND - 1), "one millisecond before it is late");
    assertEquals(T0 + 70 * SECOND, tracker.maxEventTime());
  }

  @Test
  void lateEventsDoNotMoveTheWatermarkAndItNeverMovesBack() {
    tracker.observe(T0 + 90 * SECOND);
    tracker.observe(T0);
    tracker.observe(T0 + 70 * SECOND);
    assertEquals(T0 + 60 * SECOND, tracker.watermark());
  }

  @Test
  void anIdleAdvanceNeedsAFirstEventAndOnlyMovesForward() {
    assertFalse(tracker.advanceTo(T0), "an empty partition must not make the first events late");
    assertFalse(tracker.observe(T0 - 3600 * SECOND));
    assertTrue(tracker.advanceTo(T0));
    assertFalse(tracker.advanceTo(T0 - 1));
    assertTrue(tracker.observe(T0 - 1));
  }

  @Test
  void aTrackerRestoredFromACheckpointDecidesAsTheOriginalDid() {
    tracker.observe(T0 + 90 * SECOND);
    WatermarkTracker restored = new WatermarkTracker(30 * SECOND, tracker.watermark(), tracker.maxEventTime());
    assertEquals(tracker.observe(T0 + 59 * SECOND), restored.observe(T0 + 59 * SECOND));
    assertEquals(tracker.observe(T0 + 61 * SECOND), restored.observe(T0 + 61 * SECOND));
  }

  @Test
  void anEventAheadOfTheClockMovesTheWatermarkOnlyUpToTheClock() {
    long now = T0 + 600 * SECOND;
    assertFalse(tracker.observe(now - 5 * SECOND, now));
    // one client's clock runs six hours ahead
    assertFalse(tracker.observe(now + 6 * 3600 * SECOND, now));
    assertEquals(now - 30 * SECOND, tracker.watermark(), "capped at the clock minus the lateness");
    assertEquals(now + 6 * 3600 * SECOND, tracker.maxEventTime());
    assertFalse(tracker.observe(now - 2 * SECOND, now + SECOND), "the on-time events after it stay on time");
    assertTrue(tracker.observe(now - 40 * SECOND, now + SECOND), "a really late one is still late");
  }
}
