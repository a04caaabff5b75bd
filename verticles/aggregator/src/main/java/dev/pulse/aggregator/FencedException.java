package dev.pulse.aggregator;

import dev.pulse.common.model.PartitionId;

/** Another owner has claimed the partition since this one did; this owner's writes must stop. */
public final class FencedException extends RuntimeException {

  public FencedException(PartitionId partition, long epoch) {
    super("partition " + partition + " was claimed by another owner after epoch " + epoch);
  }
}
