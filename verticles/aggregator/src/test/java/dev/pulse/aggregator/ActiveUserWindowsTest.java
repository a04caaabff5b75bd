package dev.pulse.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.aggregator.ActiveUserWindows.Estimate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.junit.jupiter.api.Test;

class ActiveUserWindowsTest {

  private static final long T0 = Instant.parse("2026-01-15T10:00:00Z").toEpochMilli();
  private static final long MINUTE = 60_000;

  @Test
  void aPaneIsCoveredByFiveSlidingWindows() {
    assertEquals(Set.of(T0 - 4 * MINUTE, T0 - 3 * MINUTE, T0 - 2 * MINUTE, T0 - MINUTE, T0),
        ActiveUserWindows.windowsCovering(List.of(T0)));
  }

  @Test
  void aHandfulOfUsersIsCountedExactlyAcrossPanesAndPartitions() {
    // partition 0: u-1, u-2 in 10:00; partition 1: u-3 in 10:00 and u-1 again in 10:04; u-9 in 10:05
    Map<Long, List<byte[]>> panes = Map.of(
        T0, List.of(sketch("u-1", "u-2"), sketch("u-3")),
        T0 + 4 * MINUTE, List.of(sketch("u-1")),
        T0 + 5 * MINUTE, List.of(sketch("u-9")));
    List<Estimate> estimates = ActiveUserWindows.estimate(panes, Set.of(T0, T0 + MINUTE), 14);
    assertEquals(List.of(
        new Estimate(T0, T0 + 5 * MINUTE, 3),
        new Estimate(T0 + MINUTE, T0 + 6 * MINUTE, 2)), estimates);
  }

  @Test
  void twentyThousandUsersAreEstimatedWithinTwoPercent() {
    HllSketch a = new HllSketch(14, TgtHllType.HLL_8);
    HllSketch b = new HllSketch(14, TgtHllType.HLL_8);
    for (int i = 0; i < 20_000; i++) {
      (i % 2 == 0 ? a : b).update("user-" + i);
    }
    long estimate = ActiveUserWindows.estimate(
        Map.of(T0, List.of(a.toCompactByteArray(), b.toCompactByteArray())), Set.of(T0), 14).get(0).activeUsers();
    assertTrue(Math.abs(estimate - 20_000) <= 400, "estimate " + estimate);
  }

  private static byte[] sketch(String... users) {
    HllSketch s = new HllSketch(14, TgtHllType.HLL_8);
    for (String u : users) {
      s.update(u);
    }
    return s.toCompactByteArray();
  }
}
