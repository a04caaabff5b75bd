package dev.pulse.app.verify;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code pulse verify} found: how much it compared, and every difference (at most the first
 * {@link Consistency#DUPLICATES_LISTED} duplicated event ids, with their total in {@link LakeSummary}).
 *
 * @param closedBefore      windows ending at or before it were compared; null when no window is closed
 * @param limitingPartition the partition whose watermark sets {@code closedBefore}, or -1
 */
public record ConsistencyReport(
    String lake,
    String postgres,
    String inputTopic,
    VerifyRange range,
    Instant closedBefore,
    int limitingPartition,
    List<PartitionCoverage> partitions,
    PageViewSummary pageViews,
    ActiveUserSummary activeUsers,
    LakeSummary lakeEvents,
    List<String> notes,
    List<Difference> differences) {

  /** Page-view windows compared (in either side), window/URL counts compared, and the views summed on each side. */
  public record PageViewSummary(int windows, int counts, long lakeViews, long pgViews) {
  }

  /** Active-user windows compared (in either side), and the largest relative error of those in both. */
  public record ActiveUserSummary(int windows, double largestRelativeError) {
  }

  /** Lake rows in the range (late ones included) and how many event ids occur more than once among them. */
  public record LakeSummary(long rows, long duplicatedEventIds) {
  }

  public ConsistencyReport {
    partitions = List.copyOf(partitions);
    notes = List.copyOf(notes);
    differences = List.copyOf(differences);
  }

  public boolean consistent() {
    return differences.isEmpty();
  }

  /** The summary, the notes, then one line per difference. */
  public List<String> textLines() {
    List<String> lines = new ArrayList<>();
    lines.add("pulse verify: lake " + lake + " against " + postgres + " (topic " + inputTopic + ")");
    String limits = range.from().map(f -> " starting at or after " + f).orElse("")
        + range.to().map(t -> " ending at or before " + t).orElse("");
    lines.add(closedBefore == null
        ? "closed windows:  none yet"
        : "closed windows:  ending at or before " + closedBefore + " (watermark of partition " + limitingPartition
            + ")" + limits);
    lines.add("page views:      " + pageViews.windows() + " windows, " + pageViews.counts() + " window/URL counts; "
        + pageViews.lakeViews() + " views in the lake, " + pageViews.pgViews() + " in PG");
    lines.add("active users:    " + activeUsers.windows() + " windows; largest relative error "
        + String.format(Locale.ROOT, "%.2f", activeUsers.largestRelativeError() * 100) + " % (bound: max(2 %, 2))");
    lines.add("lake event ids:  " + lakeEvents.duplicatedEventIds() + " duplicated among " + lakeEvents.rows()
        + " rows");
    notes.forEach(n -> lines.add("note: " + n));
    lines.add(consistent() ? "consistent" : differences.size() + " difference" + (differences.size() == 1 ? "" : "s")
        + ":");
    differences.forEach(d -> lines.add("  " + d.describe()));
    return lines;
  }

  public JsonObject toJson() {
    JsonArray parts = new JsonArray();
    for (PartitionCoverage p : partitions) {
      parts.add(new JsonObject()
          .put("partition", p.partition())
          .put("pgNextOffset", p.pgNextOffset())
          .put("pgWatermark", text(p.pgWatermark()))
          .put("lakeNextOffset", p.lakeNextOffset())
          .put("lakeWatermark", text(p.lakeWatermark()))
          .put("closedBefore", text(p.closedBefore())));
    }
    JsonArray diffs = new JsonArray();
    for (Difference d : differences) {
      JsonObject diff = fields((Record) d).put("kind", d.kind()).put("text", d.describe());
      if (d instanceof Difference.ActiveUsersOutsideBound outside) {
        diff.put("errorPercent", outside.errorPercent());
      }
      diffs.add(diff);
    }
    return new JsonObject()
        .put("consistent", consistent())
        .put("lake", lake)
        .put("postgres", postgres)
        .put("inputTopic", inputTopic)
        .put("from", range.from().map(Instant::toString).orElse(null))
        .put("to", range.to().map(Instant::toString).orElse(null))
        .put("closedBefore", text(closedBefore))
        .put("limitingPartition", limitingPartition)
        .put("partitions", parts)
        .put("pageViews", new JsonObject().put("windows", pageViews.windows()).put("counts", pageViews.counts())
            .put("lakeViews", pageViews.lakeViews()).put("pgViews", pageViews.pgViews()))
        .put("activeUsers", new JsonObject().put("windows", activeUsers.windows())
            .put("largestRelativeError", activeUsers.largestRelativeError()))
        .put("lakeEvents", new JsonObject().put("rows", lakeEvents.rows())
            .put("duplicatedEventIds", lakeEvents.duplicatedEventIds()))
        .put("notes", new JsonArray(notes))
        .put("differences", diffs);
  }

  /** A record's components by name; instants as ISO-8601 text, nested records as objects. */
  private static JsonObject fields(Record r) {
    JsonObject json = new JsonObject();
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      try {
        json.put(c.getName(), jsonValue(c.getAccessor().invoke(r)));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + c, e);
      }
    }
    return json;
  }

  private static Object jsonValue(Object v) {
    if (v instanceof Instant t) {
      return t.toString();
    }
    if (v instanceof Record nested) {
      return fields(nested);
    }
    if (v instanceof List<?> list) {
      JsonArray array = new JsonArray();
      list.forEach(e -> array.add(jsonValue(e)));
      return array;
    }
    return v;
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
