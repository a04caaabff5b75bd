package dev.pulse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pulse.common.Sink;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.time.WatermarkTracker;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResumePointTest {

  @Test
  void anOpenedPartitionIsReadFromTheSinkThatIsFurthestBehind() {
    SinkCheckpoint resume = ResumePoint.earliest(List.of(new SinkCheckpoint(120, 9_000, 39_000),
        new SinkCheckpoint(90, 6_000, 36_000), new SinkCheckpoint(150, 12_000, 42_000)));
    assertEquals(new SinkCheckpoint(90, 6_000, 36_000), resume, "offset 90, with that sink's event-time state");
  }

  @Test
  void sinksAtTheSameOffsetThatDisagreeResumeWithTheMostAdvancedWatermark() {
    SinkCheckpoint resume = ResumePoint.earliest(List.of(new SinkCheckpoint(90, 6_000, 36_000),
        new SinkCheckpoint(90, 7_000, 35_000), new SinkCheckpoint(120, 99_000, 99_000)));
    assertEquals(new SinkCheckpoint(90, 7_000, 36_000), resume, "no window a sink finalized opens again");
  }

  @Test
  void sinksThatNeverWroteResumeAtTheStartWithNoEventTime() {
    assertEquals(new SinkCheckpoint(0, WatermarkTracker.NONE, WatermarkTracker.NONE), ResumePoint.earliest(List.of(
        new SinkCheckpoint(0, WatermarkTracker.NONE, WatermarkTracker.NONE),
        new SinkCheckpoint(40, 1_000, 31_000))));
  }

  @Test
  void aCheckpointBeyondTheEndOfTheLogIsFoundAndNamed() {
    Map<Sink, SinkCheckpoint> opened = new EnumMap<>(Sink.class);
    opened.put(Sink.ENRICHER, new SinkCheckpoint(500, 1, 1));
    opened.put(Sink.AGGREGATOR, new SinkCheckpoint(300, 1, 1));
    opened.put(Sink.LAKE_WRITER, new SinkCheckpoint(200, 1, 1));

    assertEquals(List.of(), ResumePoint.aheadOfLogEnd(opened, 500), "a checkpoint at the end of the log is fine");
    List<Sink> ahead = ResumePoint.aheadOfLogEnd(opened, 250);
    assertEquals(List.of(Sink.AGGREGATOR, Sink.ENRICHER), ahead);
    assertEquals("aggregator at offset 300, enricher at offset 500", ResumePoint.describe(ahead, opened));
  }

  @Test
  void retriesBackOffFrom250MillisecondsDoublingUpToTheLimit() {
    assertEquals(250, Backoff.millis(0, 30_000));
    assertEquals(250, Backoff.millis(1, 30_000));
    assertEquals(500, Backoff.millis(2, 30_000));
    assertEquals(16_000, Backoff.millis(7, 30_000));
    assertEquals(30_000, Backoff.millis(8, 30_000));
    assertEquals(30_000, Backoff.millis(1_000, 30_000), "no overflow after many failures");
  }
}
