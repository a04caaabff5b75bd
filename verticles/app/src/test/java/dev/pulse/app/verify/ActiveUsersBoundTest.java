package dev.pulse.app.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The HLL bound: |estimate - exact| <= max(2 % of exact, 2). */
class ActiveUsersBoundTest {

  @Test
  void smallWindowsMayBeOffByTwo() {
    assertTrue(ActiveUsersBound.within(5, 7));
    assertTrue(ActiveUsersBound.within(5, 3));
    assertFalse(ActiveUsersBound.within(5, 8));
    assertFalse(ActiveUsersBound.within(8, 11));
  }

  @Test
  void largeWindowsMayBeOffByTwoPercent() {
    assertTrue(ActiveUsersBound.within(10_000, 10_200));
    assertTrue(ActiveUsersBound.within(10_000, 9_800));
    assertFalse(ActiveUsersBound.within(10_000, 10_201));
  }

  @Test
  void theRelativeErrorIsTakenAgainstTheExactCount() {
    assertEquals(0.375, ActiveUsersBound.relativeError(8, 11));
    assertEquals(0.0, ActiveUsersBound.relativeError(6, 6));
  }
}
