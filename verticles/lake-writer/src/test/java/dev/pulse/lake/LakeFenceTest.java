package dev.pulse.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pulse.common.model.ClickEvent;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.embedded.EmbeddedPostgresServer;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that lost a partition cannot commit lake files for it once the new owner has claimed it. */
class LakeFenceTest {

  private static final byte[] NO_FIELDS = "{}".getBytes(StandardCharsets.UTF_8);

  private static final long T0 = Instant.parse("2026-01-15T10:00:00Z").toEpochMilli();
  private static final PartitionId P0 = new PartitionId("user_activity", 0);
  private static EmbeddedPostgresServer postgres;
  private static Vertx vertx;
  private static Pool pool;

  @TempDir
  Path lake;

  private final LakeOptions options = new LakeOptions(null, 64L * 1024 * 1024, Duration.ofMinutes(1),
      Duration.ofMinutes(1), CompressionCodecName.SNAPPY, 1, 1024 * 1024);

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgresServer.start(0, Files.createTempDirectory("fence-pg"), true);
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost(postgres.host()).setPort(postgres.port())
        .setDatabase(postgres.database()).setUser(postgres.user())).using(vertx).build();
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    postgres.close();
  }

  @Test
  void theOldOwnerIsFencedAndTheNewOwnerCommits() throws Exception {
    LakeFence fence = new LakeFence(vertx, pool, "fence_test");
    fence.createSchema();

    // Given node a owns the partition and holds rows not yet committed
    long epochA = fence.claim(P0, "node-a");
    PartitionLakeWriter a = new PartitionLakeWriter(lake, 0, options, SinkCheckpoint.START);
    a.append(batch(0, 2, event(0), event(1)), 0);

    // When node b claims the partition (a rebalance a did not notice) and resumes from the lake
    long epochB = fence.claim(P0, "node-b");
    PartitionLakeWriter b = new PartitionLakeWriter(lake, 0, options, LakeIndex.resume(lake, 0));
    b.append(batch(0, 3, event(0), event(1), event(2)), 0);

    // Then a's roll is refused and commits no file, and b's roll commits every row once
    assertThrows(LakeFence.FencedException.class, () -> fence.whileOwner(P0, epochA, () -> a.roll(0)));
    a.abandon();
    assertEquals(0, parquetFiles());
    SinkCheckpoint committed = fence.whileOwner(P0, epochB, () -> b.roll(0));
    assertEquals(3, committed.nextOffset());
    assertEquals(1, parquetFiles());
    assertEquals(3, LakeIndex.resume(lake, 0).nextOffset());
  }

  private long parquetFiles() throws Exception {
    try (Stream<Path> files = Files.walk(lake)) {
      return files.filter(p -> p.toString().endsWith(".parquet")).count();
    }
  }

  private static EventBatch batch(long first, long next, ClickEvent... events) {
    return new EventBatch(P0, first, next, List.of(events), T0 - 30_000, T0);
  }

  private static ClickEvent event(long offset) {
    return new ClickEvent(offset, "e-" + offset, "u-1", "/", "page_view", T0, T0,
        false, NO_FIELDS, false, false);
  }
}
