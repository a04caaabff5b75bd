package dev.pulse.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.Addresses;
import dev.pulse.common.Sink;
import dev.pulse.common.bus.SinkEndpoints;
import dev.pulse.common.metrics.PipelineMetrics;
import dev.pulse.common.metrics.Problems;
import dev.pulse.common.model.ClickEvent;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.common.model.SinkProgress;
import dev.pulse.embedded.EmbeddedPostgresServer;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The aggregator verticle alone, driven over the event bus as ingest would, against a real PostgreSQL. */
@ExtendWith(VertxExtension.class)
class AggregatorVerticleTest {

  private static final byte[] NO_FIELDS = "{}".getBytes(StandardCharsets.UTF_8);

  private static final long T0 = Instant.parse("2026-01-15T10:00:00Z").toEpochMilli();
  private static EmbeddedPostgresServer postgres;

  private final String schema = "agg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final PartitionId p0 = new PartitionId("user_activity", 0);
  private Pool pool;
  private WindowStore store;
  private final PipelineMetrics metrics = PipelineMetrics.inMemory();

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgresServer.start(0, Files.createTempDirectory("agg-pg"), true);
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost(postgres.host()).setPort(postgres.port())
        .setDatabase(postgres.database()).setUser(postgres.user())).using(vertx).build();
    store = new WindowStore(pool, schema, p0.topic(), 12);
    AggregatorOptions options = new AggregatorOptions(Duration.ofMillis(50), 12);
    vertx.deployVerticle(new AggregatorVerticle(options, store, Clock.systemUTC(), "node-a", metrics))
        .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void closePool() {
    pool.close();
  }

  @Test
  void aBatchBecomesDurableWithTheOffsetItCovers(Vertx vertx, VertxTestContext ctx) {
    vertx.eventBus().<SinkProgress>localConsumer(Addresses.SINK_PROGRESS, m -> {
      if (m.body().nextOffset() == 3) {
        ctx.verify(() -> {
          assertEquals(2, queryLong("SELECT view_count FROM page_view_counts WHERE page_url = '/a'"));
          assertEquals(3, queryLong("SELECT next_offset FROM pulse_partition_progress"));
        });
        ctx.completeNow();
      }
    });
    open(vertx)
        .compose(offset -> {
          ctx.verify(() -> assertEquals(0L, offset));
          return send(vertx, batch(0, 3, List.of(view(0, T0, "/a"), view(1, T0 + 1, "/a"),
              view(2, T0 + 2, "/b"))));
        })
        .onFailure(ctx::failNow);
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void thePageUrlAnEventMayHaveAtMostIsCheckpointed(Vertx vertx, VertxTestContext ctx) {
    // as long as page_url may be, in characters of one, two and three UTF-8 bytes that do not compress: once
    // 4096 characters were allowed, which PostgreSQL's index refused, failing every checkpoint of the partition
    String url = incompressibleUrl(ClickEvent.MAX_PAGE_URL_BYTES);
    vertx.eventBus().<SinkProgress>localConsumer(Addresses.SINK_PROGRESS, m -> {
      if (m.body().nextOffset() == 1) {
        ctx.verify(() -> assertEquals(1, queryLong("SELECT view_count FROM page_view_counts WHERE octet_length(page_url) = "
            + url.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)));
        ctx.completeNow();
      }
    });
    open(vertx).compose(offset -> send(vertx, batch(0, 1, List.of(view(0, T0, url))))).onFailure(ctx::failNow);
  }

  private static String incompressibleUrl(int bytes) {
    java.util.Random random = new java.util.Random(1);
    StringBuilder sb = new StringBuilder("/");
    int used = 1;
    while (true) {
      char c = switch (random.nextInt(3)) {
        case 0 -> (char) ('!' + random.nextInt(94));
        case 1 -> (char) (0xA1 + random.nextInt(0x700));
        default -> (char) (0x4E00 + random.nextInt(0x5000));
      };
      int size = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      if (used + size > bytes) {
        return sb.append("x".repeat(bytes - used)).toString();
      }
      sb.append(c);
      used += size;
    }
  }

  @Test
  void reopeningResumesFromTheCheckpointAndSkipsWhatItAlreadyHas(Vertx vertx, VertxTestContext ctx) {
    EventBatch first = batch(0, 2, List.of(view(0, T0, "/a"), view(1, T0 + 1, "/a")));
    open(vertx)
        .compose(o -> send(vertx, first))
        .compose(v -> vertx.eventBus().<SinkCheckpoint>request(Addresses.sinkClose(Sink.AGGREGATOR), p0))
        .compose(closed -> {
          ctx.verify(() -> assertEquals(2L, closed.body().nextOffset()));
          return open(vertx);
        })
        .compose(resumeAt -> {
          ctx.verify(() -> assertEquals(2L, resumeAt));
          // ingest replays from an older offset: offsets 0 and 1 are skipped, 2 is new
          return send(vertx, batch(0, 3, List.of(view(0, T0, "/a"), view(1, T0 + 1, "/a"),
              view(2, T0 + 2, "/a"))));
        })
        .compose(v -> vertx.eventBus().<SinkCheckpoint>request(Addresses.sinkClose(Sink.AGGREGATOR), p0))
        .onComplete(ctx.succeeding(closed -> ctx.verify(() -> {
          assertEquals(3L, closed.body().nextOffset());
          assertEquals(3, queryLong("SELECT view_count FROM page_view_counts WHERE page_url = '/a'"));
          ctx.completeNow();
        })));
  }

  @Test
  void anOwnerFencedByANewerClaimStopsWritingAndRejectsBatches(Vertx vertx, VertxTestContext ctx) {
    open(vertx)
        // another node claims the partition (as after a rebalance this node has not noticed yet)
        .compose(o -> store.claim(p0, "node-b"))
        .compose(claim -> send(vertx, batch(0, 1, List.of(view(0, T0, "/zombie")))))
        .compose(v -> retryUntilRejected(vertx, 50))
        .onComplete(ctx.succeeding(rejection -> ctx.verify(() -> {
          assertEquals(SinkEndpoints.NOT_OWNER, rejection.failureCode());
          assertEquals(0, queryLong("SELECT count(*) FROM page_view_counts_by_partition"));
          assertEquals(2, queryLong("SELECT owner_epoch FROM pulse_partition_progress"));
          ctx.completeNow();
        })));
  }

  @Test
  void aPartitionOpenedAgainAfterFailedCheckpointsIsHealthyOnceItsCheckpointsSucceed(Vertx vertx,
      VertxTestContext ctx) {
    // Given checkpoints of p0 failing (its results table is away), as during a PostgreSQL outage
    Problems problems = metrics.problems();
    open(vertx)
        .compose(o -> sql(vertx, "ALTER TABLE page_view_counts_by_partition RENAME TO page_view_counts_away"))
        .compose(v -> send(vertx, batch(0, 1, List.of(view(0, T0, "/a")))))
        .compose(v -> until(vertx, () -> problems.isOpen(Problems.Kind.SINK_WRITE_FAILED, "aggregator", p0), 100))
        // When ingest opens p0 again (to retry another sink) and PostgreSQL is whole again
        .compose(v -> open(vertx))
        .compose(o -> sql(vertx, "ALTER TABLE page_view_counts_away RENAME TO page_view_counts_by_partition"))
        .compose(v -> send(vertx, batch(0, 1, List.of(view(0, T0, "/a")))))
        .compose(v -> until(vertx, () -> queryLong("SELECT next_offset FROM pulse_partition_progress") == 1, 100))
        // Then nothing is reported wrong any more: the replaced slot's failures are not the partition's
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(List.of(), problems.open());
          assertEquals(1, queryLong("SELECT view_count FROM page_view_counts WHERE page_url = '/a'"));
          ctx.completeNow();
        })));
  }

  @Test
  void openedAgainWhilePostgresIsAwayItKeepsWhatItHoldsAndAnswersItsDurableCheckpoint(Vertx vertx,
      VertxTestContext ctx) {
    // Given p0 durable up to offset 2, then PostgreSQL away for the aggregator (claims and checkpoints fail)
    // while it holds one more page view
    Problems problems = metrics.problems();
    open(vertx)
        .compose(o -> send(vertx, batch(0, 2, List.of(view(0, T0, "/a"), view(1, T0 + 1, "/a")))))
        .compose(v -> until(vertx, () -> queryLong("SELECT next_offset FROM pulse_partition_progress") == 2, 100))
        .compose(v -> sql(vertx, "ALTER TABLE pulse_partition_progress RENAME TO pulse_partition_progress_away"))
        .compose(v -> send(vertx, batch(2, 3, List.of(view(2, T0 + 2, "/a")))))
        .compose(v -> until(vertx, () -> problems.isOpen(Problems.Kind.SINK_WRITE_FAILED, "aggregator", p0), 100))
        // When ingest opens p0 again (rewinding it to retry another sink)
        .compose(v -> open(vertx))
        .compose(resumeAt -> {
          // Then the aggregator answers where its results are durable instead of failing the open ...
          ctx.verify(() -> assertEquals(2L, resumeAt));
          // ... skips what ingest sends again (holding the reply), and writes what it held once PostgreSQL is back
          io.vertx.core.Future<Void> resent = send(vertx, batch(2, 3, List.of(view(2, T0 + 2, "/a"))));
          return sql(vertx, "ALTER TABLE pulse_partition_progress_away RENAME TO pulse_partition_progress")
              .compose(v -> resent);
        })
        .compose(v -> until(vertx, () -> queryLong("SELECT next_offset FROM pulse_partition_progress") == 3, 100))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(3, queryLong("SELECT view_count FROM page_view_counts WHERE page_url = '/a'"));
          assertEquals(1, queryLong("SELECT owner_epoch FROM pulse_partition_progress"), "never claimed again");
          assertEquals(List.of(), problems.open());
          ctx.completeNow();
        })));
  }

  @Test
  void askedWhetherItCanWriteAgainWhileItsCheckpointsFailItSaysNoUntilPostgresIsBack(Vertx vertx,
      VertxTestContext ctx) {
    // Given p0 durable up to offset 2, then PostgreSQL away while the aggregator holds one more page view
    open(vertx)
        .compose(o -> send(vertx, batch(0, 2, List.of(view(0, T0, "/a"), view(1, T0 + 1, "/a")))))
        .compose(v -> until(vertx, () -> queryLong("SELECT next_offset FROM pulse_partition_progress") == 2, 100))
        .compose(v -> sql(vertx, "ALTER TABLE pulse_partition_progress RENAME TO pulse_partition_progress_away"))
        .compose(v -> {
          send(vertx, batch(2, 3, List.of(view(2, T0 + 2, "/a")))); // held: ingest's request times out
          return until(vertx, () -> metrics.problems().isOpen(Problems.Kind.SINK_WRITE_FAILED, "aggregator", p0), 100);
        })
        // When ingest, having left the aggregator out, asks whether it can write again
        .compose(v -> probe(vertx).transform(ar -> {
          // Then it cannot: the probe fails, so ingest does not read the partition again for nothing
          ctx.verify(() -> {
            assertTrue(ar.failed(), "the probe succeeded while checkpoints fail");
            assertEquals(503, ((ReplyException) ar.cause()).failureCode());
          });
          return sql(vertx, "ALTER TABLE pulse_partition_progress_away RENAME TO pulse_partition_progress");
        }))
        // And once its checkpoint succeeds again, the probe claims the partition and answers the durable offset
        .compose(v -> until(vertx, () -> queryLong("SELECT next_offset FROM pulse_partition_progress") == 3, 100))
        .compose(v -> probe(vertx))
        .onComplete(ctx.succeeding(resumeAt -> ctx.verify(() -> {
          assertEquals(3L, resumeAt);
          assertEquals(2, queryLong("SELECT owner_epoch FROM pulse_partition_progress"), "claimed again");
          ctx.completeNow();
        })));
  }

  private io.vertx.core.Future<Long> probe(Vertx vertx) {
    return vertx.eventBus().<SinkCheckpoint>request(Addresses.sinkOpen(Sink.AGGREGATOR), p0,
        new DeliveryOptions().addHeader(SinkEndpoints.PROBE, "true")).map(m -> m.body().nextOffset());
  }

  private io.vertx.core.Future<Void> sql(Vertx vertx, String statement) {
    return pool.query("SET search_path TO " + schema + "; " + statement).execute().mapEmpty();
  }

  /** Polls {@code condition} (on a worker: it may query PostgreSQL) every 50 ms, failing after {@code attempts}. */
  private io.vertx.core.Future<Void> until(Vertx vertx, java.util.concurrent.Callable<Boolean> condition,
      int attempts) {
    return vertx.timer(50, TimeUnit.MILLISECONDS)
        .compose(t -> vertx.executeBlocking(condition))
        .compose(met -> met ? io.vertx.core.Future.<Void>succeededFuture()
            : attempts <= 1 ? io.vertx.core.Future.<Void>failedFuture("condition not met in time")
            : until(vertx, condition, attempts - 1));
  }

  /** Sends an empty batch until the verticle, having been fenced at its next checkpoint, refuses it. */
  private io.vertx.core.Future<ReplyException> retryUntilRejected(Vertx vertx, int attemptsLeft) {
    return vertx.timer(50, TimeUnit.MILLISECONDS)
        .compose(t -> send(vertx, batch(1, 1, List.of())))
        .transform(ar -> {
          if (ar.failed()) {
            return io.vertx.core.Future.succeededFuture(assertInstanceOf(ReplyException.class, ar.cause()));
          }
          if (attemptsLeft == 0) {
            return io.vertx.core.Future.failedFuture("the fenced owner kept accepting batches");
          }
          return retryUntilRejected(vertx, attemptsLeft - 1);
        });
  }

  private io.vertx.core.Future<Long> open(Vertx vertx) {
    return vertx.eventBus().<SinkCheckpoint>request(Addresses.sinkOpen(Sink.AGGREGATOR), p0)
        .map(m -> m.body().nextOffset());
  }

  private io.vertx.core.Future<Void> send(Vertx vertx, EventBatch batch) {
    return vertx.eventBus().request(Addresses.sinkBatch(Sink.AGGREGATOR), batch).mapEmpty();
  }

  private static ClickEvent view(long offset, long time, String url) {
    return new ClickEvent(offset, "e-" + offset, "u-" + offset, url, ClickEvent.PAGE_VIEW, time, time,
        false, NO_FIELDS, false, false);
  }

  /** A batch as ingest would send it, with the watermark of a 30 s lateness after its events. */
  private EventBatch batch(long first, long next, List<ClickEvent> events) {
    long max = events.stream().mapToLong(ClickEvent::eventTimeMillis).max().orElse(T0);
    return new EventBatch(p0, first, next, events, max - 30_000, max);
  }

  private long queryLong(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + postgres.host() + ":" + postgres.port()
        + "/" + postgres.database(), postgres.user(), "")) {
      c.createStatement().execute("SET search_path TO " + schema);
      try (ResultSet rs = c.createStatement().executeQuery(sql)) {
        return rs.next() ? rs.getLong(1) : -1;
      }
    }
  }
}
