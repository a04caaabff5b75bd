package dev.pulse.common.time;

/**
 * The event-time watermark of one Kafka partition: the largest event time seen minus the allowed lateness,
 * never moving back. An event older than the watermark when it arrives is late. An event stamped ahead of
 * the node's clock moves the watermark only up to that clock: one record from a client whose clock runs hours
 * ahead must not make every on-time event after it late (it is still counted, in its own future window).
 *
 * <p>Ingest keeps one per partition and marks every event with the verdict, so the aggregator, the lake and
 * the enriched stream all agree on which events were late. The state is two numbers, checkpointed by every
 * sink with its output; a replay from a checkpoint makes the same decisions again. No clock inside: an idle
 * partition's watermark is moved by the caller through {@link #advanceTo(long)}.
 */
public final class WatermarkTracker {

  /** No event seen yet. */
  public static final long NONE = Long.MIN_VALUE;

  private final long allowedLatenessMs;
  private long watermark;
  private long maxEventTime;

  public WatermarkTracker(long allowedLatenessMs) {
    this(allowedLatenessMs, NONE, NONE);
  }

  public WatermarkTracker(long allowedLatenessMs, long watermark, long maxEventTime) {
    if (allowedLatenessMs < 0) {
      throw new IllegalArgumentException("allowed lateness must be >= 0");
    }
    this.allowedLatenessMs = allowedLatenessMs;
    this.watermark = watermark;
    this.maxEventTime = maxEventTime;
  }

  /**
   * Takes one event into account, with no clock to bound the watermark (replays of a fixed input, tests).
   *
   * @return whether it is late (older than the watermark before it arrived)
   */
  public boolean observe(long eventTime) {
    return observe(eventTime, Long.MAX_VALUE);
  }

  /**
   * Takes one event into account.
   *
   * @param now the node's clock: the watermark never passes {@code now - allowed lateness}
   * @return whether it is late (older than the watermark before it arrived)
   */
  public boolean observe(long eventTime, long now) {
    if (watermark != NONE && eventTime < watermark) {
      return true;
    }
    if (eventTime > maxEventTime) {
      maxEventTime = eventTime;
    }
    long candidate = Math.min(eventTime, now) - allowedLatenessMs;
    if (candidate > watermark) {
      watermark = candidate;
    }
    return false;
  }

  /**
   * Moves the watermark forward without an event, as for an idle partition following the wall clock.
   * Ignored before the first event, so an empty partition can never make the first events late.
   *
   * @return whether the watermark moved
   */
  public boolean advanceTo(long candidate) {
    if (maxEventTime == NONE || candidate <= watermark) {
      return false;
    }
    watermark = candidate;
    return true;
  }

  public long watermark() {
    return watermark;
  }

  public long maxEventTime() {
    return maxEventTime;
  }

  public long allowedLatenessMs() {
    return allowedLatenessMs;
  }
}
