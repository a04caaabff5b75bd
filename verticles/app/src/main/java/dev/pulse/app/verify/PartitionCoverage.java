package dev.pulse.app.verify;

import java.time.Instant;

/**
 * How far each side has got on one input partition: PostgreSQL's progress row and the lake's committed
 * progress (null where a side has nothing), and the time before which this partition's windows are final in both.
 */
public record PartitionCoverage(int partition, Long pgNextOffset, Instant pgWatermark, Long lakeNextOffset,
    Instant lakeWatermark, Instant closedBefore) {
}
