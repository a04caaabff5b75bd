package dev.pulse.ingest;

/** How long ingest waits before trying again what failed: 250 ms, doubling with each failure in a row, capped. */
final class Backoff {

  private Backoff() {
  }

  /** The wait after {@code failures} failures in a row (the first failure waits 250 ms), at most {@code maxMillis}. */
  static long millis(int failures, long maxMillis) {
    return Math.min(maxMillis, 250L << Math.min(Math.max(failures - 1, 0), 16));
  }
}
