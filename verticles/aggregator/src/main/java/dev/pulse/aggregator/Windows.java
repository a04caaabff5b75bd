package dev.pulse.aggregator;

/**
 * The window shapes of the job, in epoch milliseconds. Windows are aligned to the epoch and half-open:
 * an event at exactly 10:01:00.000 belongs to [10:01, 10:02).
 */
public final class Windows {

  /** Page views: 1-minute tumbling windows. */
  public static final long PAGE_VIEW_SIZE_MS = 60_000;

  /** Active users: 5-minute windows sliding every minute. */
  public static final long ACTIVE_USERS_SIZE_MS = 5 * 60_000;
  public static final long ACTIVE_USERS_SLIDE_MS = 60_000;

  /**
   * Active users are kept per pane (one slide long); a window's distinct count is the union of the
   * {@code ACTIVE_USERS_SIZE_MS / ACTIVE_USERS_SLIDE_MS} panes it spans, so each event updates one sketch, not five.
   */
  public static final long PANE_MS = ACTIVE_USERS_SLIDE_MS;

  private Windows() {
  }

  public static long pageViewWindowStart(long eventTime) {
    return Math.floorDiv(eventTime, PAGE_VIEW_SIZE_MS) * PAGE_VIEW_SIZE_MS;
  }

  public static long paneStart(long eventTime) {
    return Math.floorDiv(eventTime, PANE_MS) * PANE_MS;
  }

  /** Start of the earliest active-users window that contains the pane starting at {@code paneStart}. */
  public static long firstActiveWindowStartCovering(long paneStart) {
    return paneStart - ACTIVE_USERS_SIZE_MS + ACTIVE_USERS_SLIDE_MS;
  }
}
