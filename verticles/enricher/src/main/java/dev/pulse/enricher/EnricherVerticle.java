package dev.pulse.enricher;

import static dev.pulse.common.bus.SinkEndpoints.NOT_OWNER;
import static dev.pulse.common.bus.SinkEndpoints.WRITE_FAILED;

import dev.pulse.common.Addresses;
import dev.pulse.common.Sink;
import dev.pulse.common.Topics;
import dev.pulse.common.bus.LocalRecords;
import dev.pulse.common.bus.SinkEndpoints;
import dev.pulse.common.metrics.PipelineMetrics;
import dev.pulse.common.metrics.Problems;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.model.SinkProgress;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces every valid event, enriched, to {@code enriched_activity} exactly once for read_committed
 * consumers. vertx-kafka-client does not expose {@code sendOffsetsToTransaction} (its issue #253), so each
 * partition has a plain transactional Kafka producer on a thread of its own; this verticle only routes.
 */
public final class EnricherVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EnricherVerticle.class);
  private static final String COMPONENT = Sink.ENRICHER.id();

  private final EnricherOptions options;
  private final String bootstrapServers;
  private final Topics topics;
  private final Clock clock;
  private final PipelineMetrics metrics;
  private final Map<PartitionId, TransactionalPartitionWriter> writers = new HashMap<>();
  private SinkEndpoints endpoints;
  private Admin admin;

  public EnricherVerticle(EnricherOptions options, String bootstrapServers, Topics topics, Clock clock,
      PipelineMetrics metrics) {
    this.metrics = metrics;
    this.options = options;
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    endpoints = SinkEndpoints.register(vertx, Sink.ENRICHER, this::onOpen, this::onBatch, this::onReset,
        this::onClose);
    return vertx.executeBlocking(() -> Admin.create(Map.of("bootstrap.servers", bootstrapServers,
            "client.id", options.groupId() + "-admin")))
        .onSuccess(a -> admin = a)
        .compose(a -> endpoints.ready());
  }

  @Override
  public Future<?> stop() {
    List<Future<SinkCheckpoint>> closing = writers.values().stream().map(TransactionalPartitionWriter::close).toList();
    writers.clear();
    return Future.join(closing)
        .transform(ar -> endpoints.unregister())
        .transform(ar -> admin == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
          admin.close();
          return null;
        }));
  }

  private void onOpen(Message<PartitionId> message) {
    PartitionId partition = message.body();
    TransactionalPartitionWriter previous = writers.remove(partition);
    Future<?> before = previous == null ? Future.succeededFuture() : previous.close().recover(e -> Future.succeededFuture());
    TransactionalPartitionWriter writer = new TransactionalPartitionWriter(partition, topics.enriched(), topics.deadLetter(), options,
        bootstrapServers, admin, clock, context, metrics);
    before.compose(v -> writer.open()).onComplete(ar -> {
      if (ar.succeeded()) {
        writers.put(partition, writer);
        problems().clear(Problems.Kind.SINK_OPEN_FAILED, COMPONENT, partition);
        LOG.info("enricher: {} resumes at offset {} (transactional id {})", partition, ar.result().nextOffset(),
            writer.transactionalId());
        message.reply(ar.result());
      } else {
        LOG.warn("enricher: cannot open {}: {}", partition, ar.cause().toString());
        problems().report(Problems.Kind.SINK_OPEN_FAILED, COMPONENT, partition, "cannot open the partition's "
            + "transactional producer: " + ar.cause().getMessage());
        writer.close();
        message.fail(WRITE_FAILED, "cannot open " + partition + " for the enriched stream: " + ar.cause().getMessage());
      }
    });
  }

  private void onBatch(Message<EventBatch> message) {
    EventBatch batch = message.body();
    TransactionalPartitionWriter writer = writers.get(batch.partition());
    if (writer == null) {
      message.fail(NOT_OWNER, "partition " + batch.partition() + " is not open in the enricher");
      return;
    }
    writer.submit(batch).onComplete(ar -> {
      if (ar.succeeded()) {
        problems().clear(Problems.Kind.SINK_WRITE_FAILED, COMPONENT, batch.partition());
        vertx.eventBus().publish(Addresses.SINK_PROGRESS, new SinkProgress(Sink.ENRICHER.id(), batch.partition(),
            batch.nextOffset()), LocalRecords.LOCAL);
        message.reply(null);
        return;
      }
      if (writers.get(batch.partition()) == writer) {
        writers.remove(batch.partition());
        writer.close();
      }
      boolean fenced = ar.cause() instanceof TransactionalPartitionWriter.FencedException;
      LOG.warn("enricher: transaction for {} failed: {}", batch.partition(), ar.cause().toString());
      if (!fenced) {
        problems().report(Problems.Kind.SINK_WRITE_FAILED, COMPONENT, batch.partition(), "Kafka transaction to "
            + topics.enriched() + " failed: " + ar.cause().getMessage());
      }
      message.fail(fenced ? NOT_OWNER : WRITE_FAILED, ar.cause().getMessage());
    });
  }

  /** The input partition was recreated: the enricher's committed offset starts again at 0. */
  private void onReset(Message<PartitionId> message) {
    TransactionalPartitionWriter writer = writers.get(message.body());
    if (writer == null) {
      message.fail(NOT_OWNER, "partition " + message.body() + " is not open in the enricher");
      return;
    }
    writer.resetOffset().onComplete(ar -> {
      if (ar.succeeded()) {
        LOG.warn("enricher: {} starts again at offset 0 (the input topic was recreated)", message.body());
        message.reply(ar.result());
      } else {
        message.fail(WRITE_FAILED, "cannot reset " + message.body() + ": " + ar.cause().getMessage());
      }
    });
  }

  private Problems problems() {
    return metrics.problems();
  }

  private void onClose(Message<PartitionId> message) {
    problems().clearPartition(COMPONENT, message.body());
    TransactionalPartitionWriter writer = writers.remove(message.body());
    if (writer == null) {
      message.reply(null);
      return;
    }
    writer.close().onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        message.fail(WRITE_FAILED, "could not finish the enriched stream of " + message.body() + ": "
            + ar.cause().getMessage());
      }
    });
  }
}
