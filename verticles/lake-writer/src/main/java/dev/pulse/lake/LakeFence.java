package dev.pulse.lake;

import dev.pulse.common.Blocking;
import dev.pulse.common.model.PartitionId;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Who may commit a partition's lake files. Opening a partition bumps its owner epoch in PostgreSQL; a roll is
 * renamed into place only inside a transaction that holds the owner row locked and still finds this owner's
 * epoch. A node that lost the partition (a zombie cut off from Kafka) therefore either commits before the new
 * owner claims it, and the new owner resumes after that roll, or it finds the new epoch and commits nothing.
 *
 * <p>Blocking: called from the lake-writer's worker thread, never from an event loop. The SQL client completes
 * its futures on the context that called it, so every call is made from an event-loop context of the fence's
 * own; otherwise the worker would wait for a completion queued behind itself.
 */
public final class LakeFence {

  /** Another node has claimed the partition since this one did. */
  public static final class FencedException extends RuntimeException {
    FencedException(PartitionId partition, long epoch) {
      super("lake partition " + partition + " was claimed by another owner after epoch " + epoch);
    }
  }

  /** Work that must happen while this owner holds the partition. */
  @FunctionalInterface
  public interface Commit<T> {
    T run() throws Exception;
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String SINK = "lake-writer";

  private final Context eventLoop;
  private final Pool pool;
  private final String schema;
  private final String table;

  /** Create it outside any Vert.x thread (at node start), so that it gets an event-loop context of its own. */
  public LakeFence(Vertx vertx, Pool pool, String schema) {
    this.eventLoop = vertx.getOrCreateContext();
    if (!eventLoop.isEventLoopContext()) {
      throw new IllegalStateException("create the lake fence outside worker threads");
    }
    this.pool = pool;
    this.schema = schema;
    this.table = "\"" + schema + "\".pulse_sink_owners";
  }

  public void createSchema() {
    await(() -> pool.withTransaction(conn -> conn.query("SELECT pg_advisory_xact_lock(hashtext('pulse:ddl'))").execute()
        .compose(v -> conn.query("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"").execute())
        .compose(v -> conn.query("CREATE TABLE IF NOT EXISTS " + table + " (sink text NOT NULL, topic text NOT NULL,"
            + " kafka_partition int NOT NULL, owner_epoch bigint NOT NULL, owner text, updated_at timestamptz NOT NULL"
            + " DEFAULT now(), PRIMARY KEY (sink, topic, kafka_partition))").execute())));
  }

  /** Becomes the partition's owner; returns the epoch to commit under. */
  public long claim(PartitionId partition, String owner) {
    Row row = await(() -> pool.preparedQuery("INSERT INTO " + table + " AS o (sink, topic, kafka_partition, owner_epoch, owner)"
            + " VALUES ($1, $2, $3, 1, $4) ON CONFLICT (sink, topic, kafka_partition)"
            + " DO UPDATE SET owner_epoch = o.owner_epoch + 1, owner = EXCLUDED.owner, updated_at = now()"
            + " RETURNING owner_epoch")
        .execute(Tuple.of(SINK, partition.topic(), partition.partition(), owner))).iterator().next();
    return row.getLong(0);
  }

  /**
   * Runs {@code commit} holding the partition's owner row locked, if {@code epoch} is still the owner's.
   *
   * @throws FencedException if another owner has claimed the partition
   */
  public <T> T whileOwner(PartitionId partition, long epoch, Commit<T> commit) throws Exception {
    SqlConnection conn = await(pool::getConnection);
    try {
      Transaction tx = await(conn::begin);
      try {
        var rows = await(() -> conn.preparedQuery("SELECT owner_epoch FROM " + table
                + " WHERE sink = $1 AND topic = $2 AND kafka_partition = $3 FOR UPDATE")
            .execute(Tuple.of(SINK, partition.topic(), partition.partition())));
        if (rows.size() != 1 || rows.iterator().next().getLong(0) != epoch) {
          throw new FencedException(partition, epoch);
        }
        T result = commit.run();
        await(tx::commit);
        return result;
      } catch (Exception | Error e) {
        await(() -> tx.rollback().recover(x -> Future.succeededFuture()));
        throw e;
      }
    } finally {
      eventLoop.runOnContext(v -> conn.close());
    }
  }

  private <T> T await(Supplier<Future<T>> call) {
    Promise<T> promise = Promise.promise();
    eventLoop.runOnContext(v -> {
      try {
        call.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return Blocking.await(promise.future(), TIMEOUT);
  }
}
