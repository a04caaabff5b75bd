package dev.pulse.aggregator;

import dev.pulse.aggregator.ActiveUserWindows.Estimate;
import dev.pulse.aggregator.PartitionWindows.Checkpoint;
import dev.pulse.aggregator.PartitionWindows.PageCount;
import dev.pulse.aggregator.PartitionWindows.PaneSketch;
import dev.pulse.common.CrashPoints;
import dev.pulse.common.model.PartitionId;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The aggregator's PostgreSQL state. Results are kept per Kafka partition next to that partition's
 * progress (next offset, watermark, late count, owner epoch), and every checkpoint is one transaction:
 * the results and the offsets they cover become durable together or not at all.
 *
 * <p>Tables (in the configured schema):
 * <ul>
 *   <li>{@code pulse_partition_progress}: per input partition, the offset and watermark the stored results
 *       cover, and the epoch of the current owner. Each writer updates its progress row first, conditioned
 *       on its epoch, so a node that lost the partition cannot overwrite its successor (zombie fencing).</li>
 *   <li>{@code page_view_counts_by_partition} and the view {@code page_view_counts}, which sums partitions.</li>
 *   <li>{@code active_user_panes}: one HLL sketch per partition and minute; {@code active_users} holds the
 *       merged 5-minute estimates, recomputed under an advisory lock by whichever partition changed a pane.</li>
 * </ul>
 */
public final class WindowStore {

  /** A claimed partition: the owner epoch and the state to resume from. */
  public record Claim(long epoch, long nextOffset, long watermark, long maxEventTime, long lateEvents,
      List<PageCount> openPageCounts, List<PaneSketch> openPanes) {
  }

  private final Pool pool;
  private final String schema;
  private final String topic;
  private final int lgK;

  private final String progress;
  private final String pageCounts;
  private final String panes;
  private final String activeUsers;

  public WindowStore(Pool pool, String schema, String topic, int lgK) {
    this.pool = pool;
    this.schema = schema;
    this.topic = topic;
    this.lgK = lgK;
    String q = "\"" + schema + "\".";
    this.progress = q + "pulse_partition_progress";
    this.pageCounts = q + "page_view_counts_by_partition";
    this.panes = q + "active_user_panes";
    this.activeUsers = q + "active_users";
  }

  /** Creates the schema, tables and views if they are missing; safe to run from several nodes at once. */
  public Future<Void> createSchema() {
    String q = "\"" + schema + "\".";
    List<String> ddl = List.of(
        "CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"",
        "CREATE TABLE IF NOT EXISTS " + progress + " ("
            + " topic text NOT NULL,"
            + " kafka_partition int NOT NULL,"
            + " next_offset bigint NOT NULL,"
            + " watermark timestamptz,"
            + " max_event_time timestamptz,"
            + " late_events bigint NOT NULL DEFAULT 0,"
            + " owner_epoch bigint NOT NULL,"
            + " owner text,"
            + " updated_at timestamptz NOT NULL DEFAULT now(),"
            + " PRIMARY KEY (topic, kafka_partition))",
        "CREATE TABLE IF NOT EXISTS " + pageCounts + " ("
            + " kafka_partition int NOT NULL,"
            + " window_start timestamptz NOT NULL,"
            + " window_end timestamptz NOT NULL,"
            + " page_url text NOT NULL,"
            + " view_count bigint NOT NULL,"
            + " PRIMARY KEY (kafka_partition, window_start, page_url))",
        "CREATE INDEX IF NOT EXISTS page_view_counts_by_partition_window ON " + pageCounts + " (window_start)",
        "CREATE OR REPLACE VIEW " + q + "page_view_counts AS"
            + " SELECT window_start, window_end, page_url, sum(view_count)::bigint AS view_count"
            + " FROM " + pageCounts + " GROUP BY window_start, window_end, page_url",
        "CREATE TABLE IF NOT EXISTS " + panes + " ("
            + " kafka_partition int NOT NULL,"
            + " pane_start timestamptz NOT NULL,"
            + " sketch bytea NOT NULL,"
            + " PRIMARY KEY (kafka_partition, pane_start))",
        "CREATE INDEX IF NOT EXISTS active_user_panes_pane ON " + panes + " (pane_start)",
        "CREATE TABLE IF NOT EXISTS " + activeUsers + " ("
            + " window_start timestamptz PRIMARY KEY,"
            + " window_end timestamptz NOT NULL,"
            + " active_users bigint NOT NULL,"
            + " updated_at timestamptz NOT NULL DEFAULT now())",
        "COMMENT ON VIEW " + q + "page_view_counts IS"
            + " 'Page views per page_url per 1-minute event-time window (Pulse); final once every partition''s"
            + " watermark in pulse_partition_progress has passed window_end'",
        "COMMENT ON TABLE " + activeUsers + " IS"
            + " 'Approximate distinct users (HLL) per 5-minute window sliding by 1 minute (Pulse)'");
    return pool.withTransaction(conn -> {
      Future<?> chain = conn.query("SELECT pg_advisory_xact_lock(hashtext('pulse:ddl'))").execute();
      for (String statement : ddl) {
        chain = chain.compose(v -> conn.query(statement).execute());
      }
      return chain.mapEmpty();
    });
  }

  /**
   * Becomes the owner of a partition: bumps its epoch (fencing any previous owner) and loads the progress
   * and open windows of the last checkpoint.
   */
  public Future<Claim> claim(PartitionId partition, String owner) {
    String sql = "INSERT INTO " + progress + " AS p (topic, kafka_partition, next_offset, late_events, owner_epoch,"
        + " owner) VALUES ($1, $2, 0, 0, 1, $3)"
        + " ON CONFLICT (topic, kafka_partition) DO UPDATE SET owner_epoch = p.owner_epoch + 1,"
        + " owner = EXCLUDED.owner, updated_at = now()"
        + " RETURNING next_offset, watermark, max_event_time, late_events, owner_epoch";
    return pool.preparedQuery(sql).execute(Tuple.of(topic, partition.partition(), owner)).compose(rows -> {
      Row r = rows.iterator().next();
      long epoch = r.getLong("owner_epoch");
      long nextOffset = r.getLong("next_offset");
      long lateEvents = r.getLong("late_events");
      OffsetDateTime wm = r.getOffsetDateTime("watermark");
      OffsetDateTime max = r.getOffsetDateTime("max_event_time");
      if (wm == null) {
        return Future.succeededFuture(new Claim(epoch, nextOffset, PartitionWindows.NO_TIME,
            PartitionWindows.NO_TIME, lateEvents, List.of(), List.of()));
      }
      Future<List<PageCount>> counts = pool.preparedQuery("SELECT window_start, page_url, view_count FROM "
              + pageCounts + " WHERE kafka_partition = $1 AND window_end > $2")
          .execute(Tuple.of(partition.partition(), wm))
          .map(rs -> {
            List<PageCount> out = new ArrayList<>();
            rs.forEach(row -> out.add(new PageCount(millis(row.getOffsetDateTime(0)), row.getString(1),
                row.getLong(2))));
            return out;
          });
      Future<List<PaneSketch>> sketches = pool.preparedQuery("SELECT pane_start, sketch FROM " + panes
              + " WHERE kafka_partition = $1 AND pane_start > $2")
          .execute(Tuple.of(partition.partition(), wm.minusNanos(Windows.PANE_MS * 1_000_000)))
          .map(rs -> {
            List<PaneSketch> out = new ArrayList<>();
            rs.forEach(row -> out.add(new PaneSketch(millis(row.getOffsetDateTime(0)), row.getBuffer(1).getBytes())));
            return out;
          });
      return Future.all(counts, sketches).map(v -> new Claim(epoch, nextOffset, millis(wm), millis(max), lateEvents,
          counts.result(), sketches.result()));
    });
  }

  /**
   * Starts the partition's progress again at offset 0 (its input topic was recreated), keeping its watermark,
   * late count and results, if {@code epoch} still owns it.
   */
  public Future<Void> resetOffset(PartitionId partition, long epoch) {
    return pool.preparedQuery("UPDATE " + progress + " SET next_offset = 0, updated_at = now()"
            + " WHERE topic = $1 AND kafka_partition = $2 AND owner_epoch = $3")
        .execute(Tuple.of(topic, partition.partition(), epoch))
        .compose(rs -> rs.rowCount() == 1 ? Future.<Void>succeededFuture()
            : Future.failedFuture(new FencedException(partition, epoch)));
  }

  /**
   * Writes a checkpoint in one transaction: progress first (failing with {@link FencedException} if another
   * owner claimed the partition), then page counts, pane sketches and the active-user windows they change.
   *
   * @return the active-user estimates that were rewritten
   */
  public Future<List<Estimate>> write(PartitionId partition, long epoch, Checkpoint cp) {
    return pool.withTransaction(conn -> conn.preparedQuery("UPDATE " + progress
            + " SET next_offset = $4, watermark = $5, max_event_time = $6, late_events = $7, updated_at = now()"
            + " WHERE topic = $1 AND kafka_partition = $2 AND owner_epoch = $3")
        .execute(Tuple.of(topic, partition.partition(), epoch, cp.nextOffset(), time(cp.watermark()),
            time(cp.maxEventTime()), cp.lateEvents()))
        .compose(rs -> rs.rowCount() == 1
            ? Future.succeededFuture()
            : Future.failedFuture(new FencedException(partition, epoch)))
        .compose(v -> writePageCounts(conn, partition, cp.pageCounts()))
        .compose(v -> writePanes(conn, partition, cp.panes()))
        .compose(v -> cp.panes().isEmpty()
            ? Future.succeededFuture(List.<Estimate>of())
            : recomputeActiveUsers(conn, cp.panes()))
        .andThen(ar -> crashPoint(ar.succeeded(), CrashPoints.AGGREGATOR_BEFORE_COMMIT)))
        .andThen(ar -> crashPoint(ar.succeeded(), CrashPoints.AGGREGATOR_AFTER_COMMIT));
  }

  /** A fault test's crash point: the first inside the transaction (its COMMIT not sent), the second after it. */
  private static void crashPoint(boolean written, String point) {
    if (written) {
      CrashPoints.reached(point);
    }
  }

  private Future<Void> writePageCounts(SqlConnection conn, PartitionId partition, List<PageCount> counts) {
    if (counts.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = counts.size();
    Integer[] partitions = new Integer[n];
    OffsetDateTime[] starts = new OffsetDateTime[n];
    OffsetDateTime[] ends = new OffsetDateTime[n];
    String[] urls = new String[n];
    Long[] values = new Long[n];
    for (int i = 0; i < n; i++) {
      PageCount pc = counts.get(i);
      partitions[i] = partition.partition();
      starts[i] = time(pc.windowStart());
      ends[i] = time(pc.windowStart() + Windows.PAGE_VIEW_SIZE_MS);
      urls[i] = pc.pageUrl();
      values[i] = pc.count();
    }
    return conn.preparedQuery("INSERT INTO " + pageCounts
            + " (kafka_partition, window_start, window_end, page_url, view_count)"
            + " SELECT * FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::bigint[])"
            + " ON CONFLICT (kafka_partition, window_start, page_url) DO UPDATE SET view_count = EXCLUDED.view_count")
        .execute(Tuple.of(partitions, starts, ends, urls, values))
        .mapEmpty();
  }

  private Future<Void> writePanes(SqlConnection conn, PartitionId partition, List<PaneSketch> sketches) {
    if (sketches.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = sketches.size();
    Integer[] partitions = new Integer[n];
    OffsetDateTime[] starts = new OffsetDateTime[n];
    Buffer[] bytes = new Buffer[n];
    for (int i = 0; i < n; i++) {
      partitions[i] = partition.partition();
      starts[i] = time(sketches.get(i).paneStart());
      bytes[i] = Buffer.buffer(sketches.get(i).sketch());
    }
    return conn.preparedQuery("INSERT INTO " + panes + " (kafka_partition, pane_start, sketch)"
            + " SELECT * FROM unnest($1::int[], $2::timestamptz[], $3::bytea[])"
            + " ON CONFLICT (kafka_partition, pane_start) DO UPDATE SET sketch = EXCLUDED.sketch")
        .execute(Tuple.of(partitions, starts, bytes))
        .mapEmpty();
  }

  /**
   * Recomputes every active-user window that contains a changed pane from all partitions' sketches.
   * Writers serialize on one advisory lock, taken after their own panes are written: whichever commits
   * last has seen every other writer's committed panes, so the stored estimate is always the union of all.
   */
  private Future<List<Estimate>> recomputeActiveUsers(SqlConnection conn, List<PaneSketch> changed) {
    Set<Long> windows = ActiveUserWindows.windowsCovering(changed.stream().map(PaneSketch::paneStart).toList());
    long from = windows.stream().mapToLong(Long::longValue).min().orElseThrow();
    long to = windows.stream().mapToLong(Long::longValue).max().orElseThrow() + Windows.ACTIVE_USERS_SIZE_MS;
    return conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))")
        .execute(Tuple.of("pulse:active_users:" + schema))
        .compose(v -> conn.preparedQuery("SELECT pane_start, sketch FROM " + panes
            + " WHERE pane_start >= $1 AND pane_start < $2").execute(Tuple.of(time(from), time(to))))
        .compose(rows -> {
          Map<Long, List<byte[]>> byPane = new HashMap<>();
          rows.forEach(row -> byPane.computeIfAbsent(millis(row.getOffsetDateTime(0)), k -> new ArrayList<>())
              .add(row.getBuffer(1).getBytes()));
          List<Estimate> estimates = ActiveUserWindows.estimate(byPane, windows, lgK);
          int n = estimates.size();
          OffsetDateTime[] starts = new OffsetDateTime[n];
          OffsetDateTime[] ends = new OffsetDateTime[n];
          Long[] values = new Long[n];
          for (int i = 0; i < n; i++) {
            starts[i] = time(estimates.get(i).windowStart());
            ends[i] = time(estimates.get(i).windowEnd());
            values[i] = estimates.get(i).activeUsers();
          }
          return conn.preparedQuery("INSERT INTO " + activeUsers + " (window_start, window_end, active_users)"
                  + " SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::bigint[])"
                  + " ON CONFLICT (window_start) DO UPDATE SET active_users = EXCLUDED.active_users,"
                  + " updated_at = now()")
              .execute(Tuple.of(starts, ends, values))
              .map(estimates);
        });
  }

  static OffsetDateTime time(long millis) {
    return millis == PartitionWindows.NO_TIME ? null : Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
  }

  static long millis(OffsetDateTime t) {
    return t == null ? PartitionWindows.NO_TIME : t.toInstant().toEpochMilli();
  }
}
