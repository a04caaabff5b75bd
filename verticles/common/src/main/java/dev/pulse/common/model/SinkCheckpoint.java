package dev.pulse.common.model;

import dev.pulse.common.time.WatermarkTracker;

/**
 * Where a sink's durable output for a partition ends: the next offset it needs, and the partition's event-time
 * state as of that offset. A sink answers {@code open} with it; ingest resumes from the smallest.
 */
public record SinkCheckpoint(long nextOffset, long watermark, long maxEventTime) {

  public static final SinkCheckpoint START = new SinkCheckpoint(0, WatermarkTracker.NONE, WatermarkTracker.NONE);
}
