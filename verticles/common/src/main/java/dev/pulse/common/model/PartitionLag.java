package dev.pulse.common.model;

/**
 * How many records of an owned partition ingest has not yet handed to the sinks, as of {@code measuredAtMillis}.
 * A lag of zero means the partition is caught up: its silence is real, not a slow consumer.
 */
public record PartitionLag(PartitionId partition, long lag, long measuredAtMillis) {
}
