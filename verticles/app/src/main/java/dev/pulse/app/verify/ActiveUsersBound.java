package dev.pulse.app.verify;

/**
 * How far PostgreSQL's HLL estimate of a window's distinct users may be from the exact count. lgK 14 has a
 * standard error of about 0.8 %, so 2 % is 2.5 sigma; the absolute slack of 2 covers tiny windows, which HLL
 * counts (almost) exactly anyway.
 */
public final class ActiveUsersBound {

  static final double RELATIVE = 0.02;
  static final long ABSOLUTE = 2;

  private ActiveUsersBound() {
  }

  public static boolean within(long exact, long estimate) {
    return Math.abs(estimate - exact) <= Math.max(RELATIVE * exact, ABSOLUTE);
  }

  /** |estimate - exact| / exact; exact is at least 1 for any window that exists. */
  public static double relativeError(long exact, long estimate) {
    return exact == 0 ? (estimate == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.abs(estimate - exact) / (double) exact;
  }
}
