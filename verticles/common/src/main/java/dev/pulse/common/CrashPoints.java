package dev.pulse.common;

import dev.pulse.common.config.ConfigException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test hook: deterministic crash points at the moments a crash is most dangerous (between two renames of a lake
 * roll, inside a PostgreSQL checkpoint before COMMIT, inside a Kafka transaction before its commit, ...). A
 * randomly timed SIGKILL rarely hits them; a fault test starts a node with {@code -Dpulse.crash.at=<point>} (or
 * {@code <point>:<n>} for its n-th hit) and the JVM halts there with status 137, as abruptly as SIGKILL: no
 * shutdown hook, no finally block, no flush runs.
 *
 * <p>Without the property (every production run) {@link #reached} costs a check of a static final field: the
 * property is read once, when the class is initialized. {@code pulse run} calls {@link #armed()} first, so a value
 * naming no point below stops the node at start and a misspelt test never waits for a crash that cannot come.
 *
 * <p>{@code -Dpulse.pause.at=<point>:<millis>} instead makes every hit of a point wait that long, to stand for a
 * slow disk or database at that moment (a test of the hand-over lets a node's lake flush slowly). Only points
 * reached on worker threads may be paused.
 */
public final class CrashPoints {

  /** The system property that arms a point. */
  public static final String PROPERTY = "pulse.crash.at";
  /** The system property that slows a point down: {@code <point>:<millis>}. */
  public static final String PAUSE_PROPERTY = "pulse.pause.at";
  /** Exit status of the halt: what a shell reports for a process killed by SIGKILL (128 + 9). */
  public static final int EXIT_STATUS = 137;

  /** Lake: a roll spanning two event dates has renamed one of its files into place, not the other. */
  public static final String LAKE_BETWEEN_RENAMES = "lake.between-renames";
  /** Lake: a roll's files are all in place; its progress file is not written, its fence not committed. */
  public static final String LAKE_BEFORE_PROGRESS = "lake.before-progress";
  /** Aggregator: a checkpoint's rows are written inside its PostgreSQL transaction, not committed. */
  public static final String AGGREGATOR_BEFORE_COMMIT = "aggregator.before-commit";
  /** Aggregator: a checkpoint is committed; ingest has neither its reply nor its progress. */
  public static final String AGGREGATOR_AFTER_COMMIT = "aggregator.after-commit";
  /** Lake: a partition is being given up; its open files are about to be rolled (worker thread). */
  public static final String LAKE_CLOSE = "lake.close";
  /** Enricher: a transaction's records and offsets are sent, the transaction is not committed. */
  public static final String ENRICHER_BEFORE_COMMIT = "enricher.before-commit";
  /** Enricher: a transaction is committed; ingest has neither its reply nor its progress. */
  public static final String ENRICHER_AFTER_COMMIT = "enricher.after-commit";

  public static final Set<String> ALL = Set.of(LAKE_BETWEEN_RENAMES, LAKE_BEFORE_PROGRESS, LAKE_CLOSE,
      AGGREGATOR_BEFORE_COMMIT, AGGREGATOR_AFTER_COMMIT, ENRICHER_BEFORE_COMMIT, ENRICHER_AFTER_COMMIT);

  /** The message logged just before the halt, for the test to find in the node's output. */
  public static final String HALT_MESSAGE = "crash point reached, halting: ";

  private static final Logger LOG = LoggerFactory.getLogger(CrashPoints.class);
  private static final String VALUE = System.getProperty(PROPERTY);
  /** Null when nothing is armed, or when the value is wrong ({@link #armed()} reports that). */
  private static final Trigger ARMED = Trigger.parseOrNull(VALUE);
  private static final AtomicInteger HITS = new AtomicInteger();
  /** The paused point and for how long, as {@code Trigger(point, millis)}; null when nothing is paused. */
  private static final Trigger PAUSED = Trigger.parseOrNull(System.getProperty(PAUSE_PROPERTY));

  private CrashPoints() {
  }

  /**
   * The armed point, as {@code point:hit}, if any.
   *
   * @throws ConfigException if the property names no known point or a bad hit number
   */
  public static Optional<String> armed() {
    Trigger t = Trigger.parse(VALUE);
    return t == null ? Optional.empty() : Optional.of(t.point() + ":" + t.hit());
  }

  /** Halts the JVM if this is the armed point's armed hit (or waits, if it is paused); otherwise does nothing. */
  public static void reached(String point) {
    if (PAUSED != null && PAUSED.point().equals(point)) {
      LOG.warn("pause point {} reached: waiting {} ms", point, PAUSED.hit());
      try {
        Thread.sleep(PAUSED.hit()); // stands for a slow disk: only ever armed by a test, on a worker thread
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (ARMED == null || !ARMED.point().equals(point)) {
      return;
    }
    int hit = HITS.incrementAndGet();
    if (hit == ARMED.hit()) {
      LOG.warn("{}{} (hit {})", HALT_MESSAGE, point, hit);
      Runtime.getRuntime().halt(EXIT_STATUS);
    }
  }

  /** The armed point and on which of its hits to halt; null when nothing is armed. */
  record Trigger(String point, int hit) {

    static Trigger parseOrNull(String value) {
      try {
        return parse(value);
      } catch (ConfigException e) {
        return null;
      }
    }

    static Trigger parse(String value) {
      if (value == null || value.isBlank()) {
        return null;
      }
      int colon = value.lastIndexOf(':');
      String point = colon < 0 ? value.trim() : value.substring(0, colon).trim();
      int hit = 1;
      if (colon >= 0) {
        try {
          hit = Integer.parseInt(value.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
          hit = 0;
        }
        if (hit < 1) {
          throw new ConfigException(PROPERTY, "-D" + PROPERTY + "=" + value + ": the hit after ':' must be a whole "
              + "number from 1");
        }
      }
      if (!ALL.contains(point)) {
        throw new ConfigException(PROPERTY, "-D" + PROPERTY + "=" + value + ": unknown crash point '" + point
            + "'; known points: " + ALL.stream().sorted().toList());
      }
      return new Trigger(point, hit);
    }
  }
}
