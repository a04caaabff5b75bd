package dev.pulse.common.bus;

import dev.pulse.common.Addresses;
import dev.pulse.common.Sink;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.List;

/**
 * The node-local endpoints every sink offers ingest (open, batch, reset, close), registered together so no
 * sink can get one of them wrong.
 */
public final class SinkEndpoints {

  /**
   * Header of an open that asks a sink ingest left out whether it can write again (ingest.sink.timeout passed,
   * or it failed a batch), as opposed to an open of the partition with every sink (assignment, rewind). A sink
   * that still cannot write answers the first with a failure, and ingest leaves it out for another backoff.
   */
  public static final String PROBE = "pulse.probe";
  /**
   * Failure code of a request about a partition the sink does not (or no longer) have open, or has been fenced
   * from: ingest opens the whole partition again.
   */
  public static final int NOT_OWNER = 409;
  /**
   * Failure code of a sink that could not open, write, reset or close a partition (its store is down): ingest
   * leaves it out of the partition, the other sinks go on, and it is taken back from its checkpoint later.
   */
  public static final int WRITE_FAILED = 503;

  private final List<MessageConsumer<?>> consumers;

  private SinkEndpoints(List<MessageConsumer<?>> consumers) {
    this.consumers = consumers;
  }

  public static SinkEndpoints register(Vertx vertx, Sink sink, Handler<Message<PartitionId>> open,
      Handler<Message<EventBatch>> batch, Handler<Message<PartitionId>> reset, Handler<Message<PartitionId>> close) {
    LocalRecords.registerCodecs(vertx);
    var bus = vertx.eventBus();
    return new SinkEndpoints(List.of(
        bus.localConsumer(Addresses.sinkOpen(sink), open),
        bus.localConsumer(Addresses.sinkBatch(sink), batch),
        bus.localConsumer(Addresses.sinkReset(sink), reset),
        bus.localConsumer(Addresses.sinkClose(sink), close)));
  }

  /** Completes when every endpoint is registered. */
  public Future<Void> ready() {
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  public Future<Void> unregister() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }
}
