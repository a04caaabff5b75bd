package dev.pulse.app.verify;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** One way PostgreSQL and the lake disagree, or the lake holds an event twice. */
public sealed interface Difference {

  /** A stable name for machine-readable output. */
  String kind();

  /** One line for a person. */
  String describe();

  record PageViewsMissingInPg(Instant windowStart, Instant windowEnd, String pageUrl, long lakeViews)
      implements Difference {
    @Override
    public String kind() {
      return "page_views_missing_in_pg";
    }

    @Override
    public String describe() {
      return pageWindow(windowStart, windowEnd, pageUrl) + ": missing in PG (lake " + lakeViews + ")";
    }
  }

  record PageViewsMissingInLake(Instant windowStart, Instant windowEnd, String pageUrl, long pgViews)
      implements Difference {
    @Override
    public String kind() {
      return "page_views_missing_in_lake";
    }

    @Override
    public String describe() {
      return pageWindow(windowStart, windowEnd, pageUrl) + ": missing in the lake (PG " + pgViews + ")";
    }
  }

  record PageViewsDiffer(Instant windowStart, Instant windowEnd, String pageUrl, long lakeViews, long pgViews)
      implements Difference {
    @Override
    public String kind() {
      return "page_views_differ";
    }

    @Override
    public String describe() {
      return pageWindow(windowStart, windowEnd, pageUrl) + ": count differs (lake " + lakeViews + ", PG " + pgViews
          + ")";
    }
  }

  record ActiveUsersMissingInPg(Instant windowStart, Instant windowEnd, long lakeDistinct) implements Difference {
    @Override
    public String kind() {
      return "active_users_missing_in_pg";
    }

    @Override
    public String describe() {
      return activeWindow(windowStart, windowEnd) + ": missing in PG (lake distinct " + lakeDistinct + ")";
    }
  }

  record ActiveUsersMissingInLake(Instant windowStart, Instant windowEnd, long pgEstimate) implements Difference {
    @Override
    public String kind() {
      return "active_users_missing_in_lake";
    }

    @Override
    public String describe() {
      return activeWindow(windowStart, windowEnd) + ": missing in the lake (PG estimate " + pgEstimate + ")";
    }
  }

  record ActiveUsersOutsideBound(Instant windowStart, Instant windowEnd, long lakeDistinct, long pgEstimate)
      implements Difference {
    @Override
    public String kind() {
      return "active_users_outside_bound";
    }

    /** |estimate - exact| as a percentage of exact. */
    public double errorPercent() {
      return ActiveUsersBound.relativeError(lakeDistinct, pgEstimate) * 100;
    }

    @Override
    public String describe() {
      return activeWindow(windowStart, windowEnd) + ": active users outside the bound (lake distinct " + lakeDistinct
          + ", PG estimate " + pgEstimate + ", error " + String.format(Locale.ROOT, "%.1f", errorPercent()) + " %)";
    }
  }

  /** Where one copy of an event is in the lake. */
  record Copy(int partition, long offset) {
  }

  record DuplicateEventId(String eventId, List<Copy> copies) implements Difference {
    public DuplicateEventId {
      copies = List.copyOf(copies);
    }

    @Override
    public String kind() {
      return "duplicate_event_id";
    }

    @Override
    public String describe() {
      return "lake event_id " + eventId + ": " + copies.size() + " copies (" + copies.stream()
          .map(c -> "partition " + c.partition() + " offset " + c.offset()).collect(Collectors.joining(", ")) + ")";
    }
  }

  private static String pageWindow(Instant start, Instant end, String pageUrl) {
    return "page_view_counts " + start + "/" + end + " " + pageUrl;
  }

  private static String activeWindow(Instant start, Instant end) {
    return "active_users " + start + "/" + end;
  }
}
