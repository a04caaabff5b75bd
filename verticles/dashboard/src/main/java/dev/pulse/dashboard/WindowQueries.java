package dev.pulse.dashboard;

import dev.pulse.common.model.PartitionId;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Reads the windows back from PostgreSQL, for the REST API and for a dashboard that has just started. */
final class WindowQueries {

  static final int MAX_ROWS = 10_000;
  private static final String UNDEFINED_TABLE = "42P01";

  private final Pool pool;
  private final String schema;

  WindowQueries(Pool pool, String schema) {
    this.pool = pool;
    this.schema = "\"" + schema + "\".";
  }

  Future<JsonArray> pageViews(Instant from, Instant to, String url) {
    String sql = "SELECT window_start, window_end, page_url, view_count FROM " + schema + "page_view_counts"
        + " WHERE window_start >= $1 AND window_start < $2" + (url == null ? "" : " AND page_url = $3")
        + " ORDER BY window_start, view_count DESC, page_url LIMIT " + MAX_ROWS;
    Tuple args = url == null ? Tuple.of(utc(from), utc(to)) : Tuple.of(utc(from), utc(to), url);
    return pool.preparedQuery(sql).execute(args).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(new JsonObject().put("windowStart", r.getOffsetDateTime(0).toInstant().toString())
          .put("windowEnd", r.getOffsetDateTime(1).toInstant().toString()).put("pageUrl", r.getString(2))
          .put("views", r.getLong(3))));
      return out;
    }).recover(WindowQueries::emptyIfNoTables);
  }

  Future<JsonArray> activeUsers(Instant from, Instant to) {
    return pool.preparedQuery("SELECT window_start, window_end, active_users FROM " + schema + "active_users"
            + " WHERE window_start >= $1 AND window_start < $2 ORDER BY window_start LIMIT " + MAX_ROWS)
        .execute(Tuple.of(utc(from), utc(to))).map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("windowStart", r.getOffsetDateTime(0).toInstant().toString())
              .put("windowEnd", r.getOffsetDateTime(1).toInstant().toString()).put("users", r.getLong(2))));
          return out;
        }).recover(WindowQueries::emptyIfNoTables);
  }

  /** The recent windows, per partition as the aggregators publish them, for a dashboard that starts late. */
  Future<Void> loadRecent(LiveWindows live, String topic, long now) {
    Future<Void> pages = pool.preparedQuery("SELECT kafka_partition, window_start, page_url, view_count FROM "
            + schema + "page_view_counts_by_partition WHERE window_start >= $1")
        .execute(Tuple.of(utc(Instant.ofEpochMilli(now - LiveWindows.PAGE_HISTORY_MS))))
        .map(rows -> {
          rows.forEach(r -> live.pageCount(new PartitionId(topic, r.getInteger(0)).toString(),
              r.getOffsetDateTime(1).toInstant().toEpochMilli(), r.getString(2), r.getLong(3)));
          return (Void) null;
        });
    Future<Void> users = pool.preparedQuery("SELECT window_start, window_end, active_users FROM " + schema
            + "active_users WHERE window_start >= $1")
        .execute(Tuple.of(utc(Instant.ofEpochMilli(now - LiveWindows.ACTIVE_HISTORY_MS))))
        .map(rows -> {
          JsonArray a = new JsonArray();
          rows.forEach(r -> a.add(new JsonObject().put("windowStart", r.getOffsetDateTime(0).toInstant().toEpochMilli())
              .put("windowEnd", r.getOffsetDateTime(1).toInstant().toEpochMilli()).put("users", r.getLong(2))));
          live.activeUsers(a);
          return (Void) null;
        });
    return Future.join(pages, users).mapEmpty();
  }

  private static <T> Future<T> emptyIfNoTables(Throwable e) {
    if (e instanceof PgException pg && UNDEFINED_TABLE.equals(pg.getSqlState())) {
      @SuppressWarnings("unchecked")
      T empty = (T) new JsonArray();
      return Future.succeededFuture(empty);
    }
    return Future.failedFuture(e);
  }

  private static OffsetDateTime utc(Instant t) {
    return t.atOffset(ZoneOffset.UTC);
  }
}
