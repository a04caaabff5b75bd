package dev.pulse.app.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.verify.ClosedWindows.Coverage;
import dev.pulse.app.verify.ClosedWindows.PgProgress;
import dev.pulse.common.model.SinkCheckpoint;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which windows both PostgreSQL and the lake vouch for, from their per-partition progress. */
class ClosedWindowsTest {

  private static final long NONE = ClosedWindows.NONE;

  private static long at(String hhmmss) {
    return Instant.parse("2026-01-15T" + hhmmss + "Z").toEpochMilli();
  }

  @Test
  void whenTheLakeHasWhatPostgresHasTheSmallestPostgresWatermarkCloses() {
    Coverage c = ClosedWindows.decide(
        Map.of(0, new PgProgress(8, at("10:09:30")), 1, new PgProgress(6, at("10:10:00"))),
        Map.of(0, new SinkCheckpoint(8, at("10:02:00"), at("10:02:30")),
            1, new SinkCheckpoint(7, at("10:02:30"), at("10:03:00"))));

    assertEquals(at("10:09:30"), c.closedBefore());
    assertEquals(0, c.limitingPartition());
    assertEquals(List.of(), c.notes());
    assertEquals(new PartitionCoverage(1, 6L, Instant.parse("2026-01-15T10:10:00Z"), 7L,
        Instant.parse("2026-01-15T10:02:30Z"), Instant.parse("2026-01-15T10:10:00Z")), c.partitions().get(1));
  }

  @Test
  void aLakeBehindPostgresBoundsItsPartitionByItsOwnWatermark() {
    Coverage c = ClosedWindows.decide(
        Map.of(0, new PgProgress(8, at("10:09:30")), 1, new PgProgress(6, at("10:10:00"))),
        Map.of(0, new SinkCheckpoint(8, at("10:02:00"), at("10:02:30")),
            1, new SinkCheckpoint(4, at("10:01:15"), at("10:01:45"))));

    assertEquals(at("10:01:15"), c.closedBefore());
    assertEquals(1, c.limitingPartition());
    assertEquals(List.of("partition 1: the lake is behind PostgreSQL (offsets below 4 of 6), so windows ending after "
        + "its lake watermark 2026-01-15T10:01:15Z are not compared"), c.notes());
  }

  @Test
  void aPartitionMissingFromTheLakeClosesNothing() {
    Coverage c = ClosedWindows.decide(Map.of(0, new PgProgress(8, at("10:09:30"))), Map.of());

    assertEquals(NONE, c.closedBefore());
    assertEquals(List.of("partition 0: the lake is behind PostgreSQL (offsets below 0 of 8), so no window is compared"),
        c.notes());
  }

  @Test
  void aPartitionWithoutWatermarkIsIgnoredOnlyWhileTheLakeHasNoEventsOfItEither() {
    Map<Integer, PgProgress> pg = Map.of(0, new PgProgress(8, at("10:09:30")), 1, new PgProgress(0, NONE));
    SinkCheckpoint partition0 = new SinkCheckpoint(8, at("10:02:00"), at("10:02:30"));

    Coverage idle = ClosedWindows.decide(pg, Map.of(0, partition0, 1, new SinkCheckpoint(2, NONE, NONE)));
    assertEquals(at("10:09:30"), idle.closedBefore());

    Coverage lakeAhead = ClosedWindows.decide(pg,
        Map.of(0, partition0, 1, new SinkCheckpoint(2, at("10:00:00"), at("10:00:30"))));
    assertEquals(NONE, lakeAhead.closedBefore());
    assertEquals(1, lakeAhead.limitingPartition());
    assertTrue(lakeAhead.notes().get(0).startsWith("partition 1: the lake holds events up to offset 2 but PostgreSQL "
        + "has no watermark"), lakeAhead.notes().toString());
  }

  @Test
  void withNoEventsAnywhereNothingIsClosed() {
    Coverage c = ClosedWindows.decide(Map.of(), Map.of());

    assertEquals(NONE, c.closedBefore());
    assertEquals(-1, c.limitingPartition());
    assertEquals(List.of("no partition has events yet"), c.notes());
  }
}
