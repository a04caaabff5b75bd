package dev.pulse.common.bus;

import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.model.SinkProgress;
import io.vertx.core.Vertx;
import java.util.List;

/** The records that travel between verticles of one node. */
public final class LocalRecords {

  public static final List<Class<?>> TYPES =
      List.of(PartitionId.class, EventBatch.class, SinkProgress.class, SinkCheckpoint.class);

  /** Delivery that never leaves the node, even on a clustered event bus. */
  public static final io.vertx.core.eventbus.DeliveryOptions LOCAL =
      new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true);

  private LocalRecords() {
  }

  public static void registerCodecs(Vertx vertx) {
    LocalRecordCodec.registerAll(vertx, TYPES);
  }
}
