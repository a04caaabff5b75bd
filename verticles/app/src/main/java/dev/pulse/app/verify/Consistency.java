package dev.pulse.app.verify;

import dev.pulse.app.verify.ClosedWindows.Coverage;
import dev.pulse.app.verify.ClosedWindows.PgProgress;
import dev.pulse.app.verify.ConsistencyReport.ActiveUserSummary;
import dev.pulse.app.verify.ConsistencyReport.LakeSummary;
import dev.pulse.app.verify.ConsistencyReport.PageViewSummary;
import dev.pulse.aggregator.Windows;
import dev.pulse.common.model.SinkCheckpoint;
import dev.pulse.lake.LakeIndex;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Recomputes every closed window from the lake and compares it with PostgreSQL: page views exactly, active users
 * within {@link ActiveUsersBound}; and checks that no event id is in the lake twice. Read only on both sides.
 */
public final class Consistency {

  /** Duplicated event ids listed in a report (all are counted). */
  public static final int DUPLICATES_LISTED = 20;

  private Consistency() {
  }

  /**
   * @throws VerifyUnavailableException if PostgreSQL cannot be reached or queried, or the lake cannot be read
   */
  public static ConsistencyReport check(VerifyTarget target, VerifyRange range) throws VerifyUnavailableException {
    try (LakeRecount lake = LakeRecount.open(target.lake());
         StoredResults stored = StoredResults.open(target.pg())) {
      // PostgreSQL's progress first: the lake only grows, so a lake checkpoint read afterwards covers at least
      // what it covered when PostgreSQL's snapshot was taken.
      Map<Integer, PgProgress> pgProgress = stored.progress(target.inputTopic());
      Coverage coverage = ClosedWindows.decide(pgProgress, lakeProgress(target));

      // Windows start and end on whole minutes, so these bounds select whole windows and exactly their events.
      long lower = range.from().map(t -> ceilToMinute(t.toEpochMilli())).orElse(LakeRecount.NO_LOWER);
      boolean anyClosed = coverage.closedBefore() != ClosedWindows.NONE;
      long to = range.to().map(Instant::toEpochMilli).orElse(LakeRecount.NO_UPPER);
      long upper = anyClosed ? floorToMinute(Math.min(coverage.closedBefore(), to)) : LakeRecount.NO_LOWER;
      boolean anyWindow = anyClosed && upper > lower;

      List<Difference> differences = new ArrayList<>();
      PageViewSummary pageViews = anyWindow
          ? comparePageViews(lake.pageViews(lower, upper), stored.pageViews(lower, upper), differences)
          : new PageViewSummary(0, 0, 0, 0);
      ActiveUserSummary activeUsers = anyWindow
          ? compareActiveUsers(lake.activeUsers(lower, upper), stored.activeUsers(lower, upper), differences)
          : new ActiveUserSummary(0, 0);

      long from = range.from().map(Instant::toEpochMilli).orElse(LakeRecount.NO_LOWER);
      LakeRecount.Duplicates duplicates = lake.duplicates(from, to, DUPLICATES_LISTED);
      differences.addAll(duplicates.first());

      String postgres = target.pg().displayUrl() + " schema " + target.pg().schema();
      return new ConsistencyReport(target.lake().toString(), postgres, target.inputTopic(), range,
          coverage.closedBefore() == ClosedWindows.NONE ? null : Instant.ofEpochMilli(coverage.closedBefore()),
          coverage.limitingPartition(), coverage.partitions(), pageViews, activeUsers,
          new LakeSummary(lake.rows(from, to), duplicates.total()), coverage.notes(), differences);
    }
  }

  private static Map<Integer, SinkCheckpoint> lakeProgress(VerifyTarget target) throws VerifyUnavailableException {
    try {
      return LakeIndex.committed(target.lake());
    } catch (UncheckedIOException e) {
      throw new VerifyUnavailableException(e.getMessage() + ": " + e.getCause().getMessage(), e);
    }
  }

  private static PageViewSummary comparePageViews(Map<PageWindow, Long> lake, Map<PageWindow, Long> pg,
      List<Difference> differences) {
    TreeSet<PageWindow> keys = new TreeSet<>(lake.keySet());
    keys.addAll(pg.keySet());
    TreeSet<Long> windows = new TreeSet<>();
    long lakeViews = 0;
    long pgViews = 0;
    for (PageWindow k : keys) {
      windows.add(k.windowStart());
      Long inLake = lake.get(k);
      Long inPg = pg.get(k);
      Instant start = Instant.ofEpochMilli(k.windowStart());
      Instant end = Instant.ofEpochMilli(k.windowStart() + Windows.PAGE_VIEW_SIZE_MS);
      if (inPg == null) {
        differences.add(new Difference.PageViewsMissingInPg(start, end, k.pageUrl(), inLake));
      } else if (inLake == null) {
        differences.add(new Difference.PageViewsMissingInLake(start, end, k.pageUrl(), inPg));
      } else if (!inLake.equals(inPg)) {
        differences.add(new Difference.PageViewsDiffer(start, end, k.pageUrl(), inLake, inPg));
      }
      lakeViews += inLake == null ? 0 : inLake;
      pgViews += inPg == null ? 0 : inPg;
    }
    return new PageViewSummary(windows.size(), keys.size(), lakeViews, pgViews);
  }

  private static ActiveUserSummary compareActiveUsers(Map<Long, Long> lake, Map<Long, Long> pg,
      List<Difference> differences) {
    TreeSet<Long> windows = new TreeSet<>(lake.keySet());
    windows.addAll(pg.keySet());
    double largestError = 0;
    for (long w : windows) {
      Long exact = lake.get(w);
      Long estimate = pg.get(w);
      Instant start = Instant.ofEpochMilli(w);
      Instant end = Instant.ofEpochMilli(w + Windows.ACTIVE_USERS_SIZE_MS);
      if (estimate == null) {
        differences.add(new Difference.ActiveUsersMissingInPg(start, end, exact));
      } else if (exact == null) {
        differences.add(new Difference.ActiveUsersMissingInLake(start, end, estimate));
      } else {
        largestError = Math.max(largestError, ActiveUsersBound.relativeError(exact, estimate));
        if (!ActiveUsersBound.within(exact, estimate)) {
          differences.add(new Difference.ActiveUsersOutsideBound(start, end, exact, estimate));
        }
      }
    }
    return new ActiveUserSummary(windows.size(), largestError);
  }

  private static long floorToMinute(long millis) {
    return Math.floorDiv(millis, Windows.ACTIVE_USERS_SLIDE_MS) * Windows.ACTIVE_USERS_SLIDE_MS;
  }

  private static long ceilToMinute(long millis) {
    return -floorToMinute(-millis);
  }
}
