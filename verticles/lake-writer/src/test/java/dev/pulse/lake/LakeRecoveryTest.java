package dev.pulse.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.model.ClickEvent;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rolls, names and crash recovery of the lake, on real files read back by DuckDB. */
class LakeRecoveryTest {

  private static final byte[] NO_FIELDS = "{}".getBytes(StandardCharsets.UTF_8);

  private static final long MIDNIGHT = Instant.parse("2026-01-16T00:00:00Z").toEpochMilli();
  private static final PartitionId P3 = new PartitionId("user_activity", 3);

  @TempDir
  Path lake;

  private final LakeOptions options = new LakeOptions(null, 64L * 1024 * 1024, Duration.ofMinutes(1),
      Duration.ofMinutes(1), CompressionCodecName.ZSTD, 1, 1024 * 1024);

  @Test
  void fileNamesCarryThePartitionTheRangeAndTheRollSize() {
    LakeFileName name = new LakeFileName(3, 100, 210, 1, 2);
    assertEquals("part-p00003-00000000000000000100-00000000000000000210-1of2.parquet", name.fileName());
    assertEquals(Optional.of(name), LakeFileName.parse(name.fileName()));
    assertEquals(Optional.empty(), LakeFileName.parse("part-p00003-100-210-1of2.parquet"));
    assertTrue(LakeFileName.isTempOf(LakeFileName.tempFileName(3, 100, "2026-01-16", "w1"), 3));
    assertFalse(LakeFileName.isTempOf(LakeFileName.tempFileName(3, 100, "2026-01-16", "w1"), 4));
  }

  @Test
  void aRollIsDueAfterTheIntervalWhileRowsKeepComingOrSoonerOnceThePartitionGoesQuiet() throws Exception {
    LakeOptions quietAfter2s = new LakeOptions(null, 64L * 1024 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(2),
        CompressionCodecName.ZSTD, 1, 1024 * 1024);
    PartitionLakeWriter writer = new PartitionLakeWriter(lake, 3, quietAfter2s, SinkCheckpoint.START);
    assertFalse(writer.dueForRoll(60_000), "nothing to roll");
    // a row every second: never quiet for 2 s, so only the 10 s interval makes it due
    for (int s = 0; s < 10; s++) {
      writer.append(batch(s, s + 1, event(s, MIDNIGHT + s)), s * 1_000L);
      assertFalse(writer.dueForRoll(s * 1_000L + 999), "due at " + (s * 1_000 + 999) + " ms");
    }
    assertTrue(writer.dueForRoll(10_000));
    writer.roll(10_000);
    assertFalse(writer.dueForRoll(60_000), "nothing to roll after the roll");
    // the stream goes quiet after one row: due 2 s after that row, long before the interval
    writer.append(batch(10, 11, event(10, MIDNIGHT + 10)), 20_000);
    assertFalse(writer.dueForRoll(21_999));
    assertTrue(writer.dueForRoll(22_000));
  }

  @Test
  void aRollAcrossMidnightWritesOneFilePerDateWithTheSameRangeAndResumesAfterIt() throws Exception {
    PartitionLakeWriter writer = new PartitionLakeWriter(lake, 3, options, SinkCheckpoint.START);
    writer.append(batch(0, 4, event(0, MIDNIGHT - 1), event(1, MIDNIGHT), event(3, MIDNIGHT + 1)), 0);
    SinkCheckpoint cp = writer.roll(0);
    assertEquals(4, cp.nextOffset());
    assertTrue(Files.exists(lake.resolve("event_date=2026-01-15/"
        + new LakeFileName(3, 0, 4, 1, 2).fileName())));
    assertTrue(Files.exists(lake.resolve("event_date=2026-01-16/"
        + new LakeFileName(3, 0, 4, 2, 2).fileName())));
    assertEquals(3, duckCount());
    SinkCheckpoint resumed = LakeIndex.resume(lake, 3);
    assertEquals(new SinkCheckpoint(4, MIDNIGHT - 30_000 + 1, MIDNIGHT + 1), resumed);
  }

  @Test
  void aRollInterruptedBetweenItsRenamesIsRemovedAndWrittenAgain() throws Exception {
    PartitionLakeWriter writer = new PartitionLakeWriter(lake, 3, options, SinkCheckpoint.START);
    writer.append(batch(0, 2, event(0, MIDNIGHT - 1), event(1, MIDNIGHT)), 0);
    writer.roll(0);
    // a crash after the first rename of a second roll: one of its two files is in place, the other still hidden
    writer.append(batch(2, 4, event(2, MIDNIGHT - 2), event(3, MIDNIGHT + 2)), 0);
    writer.roll(0);
    Path second = lake.resolve("event_date=2026-01-16/" + new LakeFileName(3, 2, 4, 2, 2).fileName());
    Files.move(second, second.resolveSibling(LakeFileName.tempFileName(3, 2, "2026-01-16", "crashed")));
    Files.delete(LakeIndex.progressFile(lake, 3));

    SinkCheckpoint resumed = LakeIndex.resume(lake, 3);

    assertEquals(2, resumed.nextOffset(), "resumes after the last complete roll");
    assertEquals(2, duckCount(), "the half-committed roll's rows are gone until it is written again");
    try (Stream<Path> files = Files.walk(lake)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count());
    }
  }

  @Test
  void committedReadsWhereTheLakeEndsWithoutTouchingWhatACrashLeft() throws Exception {
    // Given a complete roll [0, 2), a roll [2, 4) interrupted between its renames, and no progress file
    PartitionLakeWriter writer = new PartitionLakeWriter(lake, 3, options, SinkCheckpoint.START);
    writer.append(batch(0, 2, event(0, MIDNIGHT - 1), event(1, MIDNIGHT)), 0);
    writer.roll(0);
    writer.append(batch(2, 4, event(2, MIDNIGHT - 2), event(3, MIDNIGHT + 2)), 0);
    writer.roll(0);
    Path second = lake.resolve("event_date=2026-01-16/" + new LakeFileName(3, 2, 4, 2, 2).fileName());
    Path hidden = second.resolveSibling(LakeFileName.tempFileName(3, 2, "2026-01-16", "crashed"));
    Files.move(second, hidden);
    Files.delete(LakeIndex.progressFile(lake, 3));

    // When a reader asks where the lake ends
    Map<Integer, SinkCheckpoint> committed = LakeIndex.committed(lake);

    // Then it is the complete roll's end, and the crash's leftovers are still there for the writer to clear
    assertEquals(Map.of(3, new SinkCheckpoint(2, MIDNIGHT - 30_000, MIDNIGHT)), committed);
    assertTrue(Files.exists(hidden));
    assertTrue(Files.exists(lake.resolve("event_date=2026-01-15/" + new LakeFileName(3, 2, 4, 1, 2).fileName())));
  }

  @Test
  void aRollWithoutRowsRecordsItsProgressButWritesNoFile() throws Exception {
    PartitionLakeWriter writer = new PartitionLakeWriter(lake, 3, options, SinkCheckpoint.START);
    writer.append(batch(0, 5), 0);
    writer.roll(0);
    assertEquals(5, LakeIndex.resume(lake, 3).nextOffset());
    try (Stream<Path> files = Files.walk(lake)) {
      assertEquals(0, files.filter(p -> p.toString().endsWith(".parquet")).count());
    }
  }

  private long duckCount() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM read_parquet('" + lake
             + "/**/*.parquet', hive_partitioning = true)")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static EventBatch batch(long first, long next, ClickEvent... events) {
    long max = Stream.of(events).mapToLong(ClickEvent::eventTimeMillis).max().orElse(MIDNIGHT);
    return new EventBatch(P3, first, next, List.of(events), max - 30_000, max);
  }

  private static ClickEvent event(long offset, long time) {
    return new ClickEvent(offset, "e-" + offset, "u-1", "/", "page_view", time, time,
        false, NO_FIELDS, false, false);
  }
}
