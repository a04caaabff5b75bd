package dev.pulse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.Sink;
import dev.pulse.common.bus.SinkEndpoints;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.time.WatermarkTracker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ingest's side of the sink protocol against sinks that answer as the real ones do, on a real event bus: who
 * gets a batch, which failure suspends a sink and which one fails the hand-over.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SinkRequestsTest {

  private static final PartitionId P0 = new PartitionId("user_activity", 0);
  private static final List<Sink> SINKS = List.of(Sink.AGGREGATOR, Sink.LAKE_WRITER, Sink.ENRICHER);

  /** A sink's batch endpoint: what it does with each batch it is sent, and which batches it saw. */
  private final Map<Sink, Consumer<Message<EventBatch>>> behaviour = new EnumMap<>(Sink.class);
  private final Map<Sink, List<Long>> received = new EnumMap<>(Sink.class);
  private final List<String> suspended = new ArrayList<>();
  private final List<Throwable> causes = new ArrayList<>();

  private SinkRequests requests(Vertx vertx, Duration timeout) {
    for (Sink sink : SINKS) {
      behaviour.putIfAbsent(sink, m -> m.reply(null));
      received.put(sink, new ArrayList<>());
      SinkEndpoints.register(vertx, sink,
          open -> open.reply(new SinkCheckpoint(10 * (sink.ordinal() + 1), WatermarkTracker.NONE,
              WatermarkTracker.NONE)),
          batch -> {
            received.get(sink).add(batch.body().firstOffset());
            behaviour.get(sink).accept(batch);
          },
          reset -> reset.reply(null),
          close -> close.reply(new SinkCheckpoint(100 + sink.ordinal(), WatermarkTracker.NONE,
              WatermarkTracker.NONE)));
    }
    return new SinkRequests(vertx.eventBus(), SINKS, timeout);
  }

  private static PartitionState opened() {
    PartitionState st = new PartitionState(P0);
    st.assigned = true;
    st.accepting = true;
    st.generation = 1;
    return st;
  }

  private static EventBatch batch(long from, long to) {
    return new EventBatch(P0, from, to, List.of(), WatermarkTracker.NONE, WatermarkTracker.NONE);
  }

  private void suspend(PartitionState st, Sink sink, Throwable cause) {
    suspended.add(sink.id() + ": " + cause.getMessage());
    causes.add(cause);
    st.suspended.put(sink, new PartitionState.Suspension(Long.MAX_VALUE, cause.getMessage()));
  }

  @Test
  void aBatchEverySinkTakesMovesTheAcceptedOffset(Vertx vertx, VertxTestContext ctx) {
    SinkRequests requests = requests(vertx, Duration.ofSeconds(5));
    PartitionState st = opened();
    st.sinkFailures.put(Sink.ENRICHER, 3);
    requests.deliver(st, 1, batch(0, 50), this::suspend)
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(50, st.acceptedUpTo);
          SINKS.forEach(s -> assertEquals(List.of(0L), received.get(s), s.id()));
          SINKS.forEach(s -> assertEquals(0, st.outstanding.get(s), s.id()));
          assertFalse(st.sinkFailures.containsKey(Sink.ENRICHER), "a batch taken clears the sink's failures");
          assertTrue(suspended.isEmpty(), suspended.toString());
          ctx.completeNow();
        })));
  }

  @Test
  void aSinkThatCannotWriteIsSuspendedAndTheOthersTakeTheBatch(Vertx vertx, VertxTestContext ctx) {
    behaviour.put(Sink.LAKE_WRITER, m -> m.fail(SinkEndpoints.WRITE_FAILED, "disk full"));
    SinkRequests requests = requests(vertx, Duration.ofSeconds(5));
    PartitionState st = opened();
    requests.deliver(st, 1, batch(0, 50), this::suspend)
        .compose(v -> requests.deliver(st, 1, batch(50, 80), this::suspend))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(List.of("lake-writer: disk full"), suspended);
          assertEquals(List.of(0L), received.get(Sink.LAKE_WRITER), "a suspended sink gets no more batches");
          assertEquals(List.of(0L, 50L), received.get(Sink.AGGREGATOR));
          assertEquals(List.of(0L, 50L), received.get(Sink.ENRICHER));
          assertEquals(80, st.acceptedUpTo);
          ctx.completeNow();
        })));
  }

  @Test
  void aSinkThatNoLongerOwnsThePartitionFailsTheHandOver(Vertx vertx, VertxTestContext ctx) {
    behaviour.put(Sink.ENRICHER, m -> m.fail(SinkEndpoints.NOT_OWNER, "fenced"));
    SinkRequests requests = requests(vertx, Duration.ofSeconds(5));
    PartitionState st = opened();
    requests.deliver(st, 1, batch(0, 50), this::suspend)
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          ReplyException re = assertInstanceOf(ReplyException.class, err);
          assertEquals(SinkEndpoints.NOT_OWNER, re.failureCode());
          assertTrue(suspended.isEmpty(), "the partition is rewound, no sink left out: " + suspended);
          assertEquals(0, st.acceptedUpTo);
          ctx.completeNow();
        })));
  }

  @Test
  void aSinkThatDoesNotAnswerInTimeIsSuspended(Vertx vertx, VertxTestContext ctx) {
    behaviour.put(Sink.AGGREGATOR, m -> { }); // never answers
    SinkRequests requests = requests(vertx, Duration.ofMillis(200));
    PartitionState st = opened();
    requests.deliver(st, 1, batch(0, 50), this::suspend)
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(1, suspended.size(), suspended.toString());
          assertTrue(suspended.get(0).startsWith("aggregator: "), suspended.toString());
          assertEquals(ReplyFailure.TIMEOUT, assertInstanceOf(ReplyException.class, causes.get(0)).failureType());
          assertEquals(List.of(0L), received.get(Sink.LAKE_WRITER), "the others took the batch");
          assertEquals(50, st.acceptedUpTo);
          ctx.completeNow();
        })));
  }

  @Test
  void aFailureOfAnOlderGenerationIsIgnored(Vertx vertx, VertxTestContext ctx) {
    SinkRequests requests = requests(vertx, Duration.ofSeconds(5));
    PartitionState st = opened();
    behaviour.put(Sink.AGGREGATOR, m -> {
      st.generation++; // the partition is rewound while the batch is in the sink's hands
      m.fail(SinkEndpoints.WRITE_FAILED, "down");
    });
    requests.deliver(st, 1, batch(0, 50), this::suspend)
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertTrue(suspended.isEmpty(), suspended.toString());
          ctx.completeNow();
        })));
  }

  @Test
  void openAsksEverySinkAndCloseNotesWhatEachMadeDurable(Vertx vertx, VertxTestContext ctx) {
    SinkRequests requests = requests(vertx, Duration.ofSeconds(5));
    PartitionState st = opened();
    Map<Sink, Future<SinkCheckpoint>> open = requests.open(P0);
    assertEquals(SINKS, List.copyOf(open.keySet()));
    Future.all(List.copyOf(open.values()))
        .compose(v -> requests.close(st))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(10, open.get(Sink.AGGREGATOR).result().nextOffset());
          assertEquals(30, open.get(Sink.ENRICHER).result().nextOffset());
          assertEquals(Map.of("aggregator", 100L, "lake-writer", 101L, "enricher", 102L), st.durable);
          ctx.completeNow();
        })));
  }
}
