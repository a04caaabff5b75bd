package dev.pulse.common.model;

/** A sink's output for {@code partition} is durable up to, not including, {@code nextOffset}. */
public record SinkProgress(String sink, PartitionId partition, long nextOffset) {
}
