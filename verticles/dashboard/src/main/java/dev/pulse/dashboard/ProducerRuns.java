package dev.pulse.dashboard;

import dev.pulse.producer.GeneratorSpec;
import dev.pulse.producer.ProducerRun;
import dev.pulse.producer.ProducerRun.Progress;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Synthetic traffic started over REST: each run is a {@link ProducerRun} on a worker thread of its own pool,
 * sharing one Kafka producer. Limits (rate, concurrent runs, duration, count) are checked before a run starts.
 */
final class ProducerRuns {

  /** A request the caller must fix (400) or retry later (429). */
  static final class Refused extends RuntimeException {
    final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  /** A run and its state; touched on the dashboard's event loop only. */
  private static final class Run {
    final ProducerRun run;
    final double rate;
    final long startedAt;
    String state = "running";

    Run(ProducerRun run, double rate, long startedAt) {
      this.run = run;
      this.rate = rate;
      this.startedAt = startedAt;
    }
  }

  /** Ended runs (finished, failed or stopped) still answered by GET, newest kept. */
  static final int KEEP_ENDED_RUNS = 100;

  private final Vertx vertx;
  private final DashboardOptions options;
  private final String topic;
  private final long allowedLatenessMs;
  private final Clock clock;
  private final KafkaProducer<byte[], byte[]> producer;
  private final WorkerExecutor executor;
  private final Map<String, Run> runs = new LinkedHashMap<>();
  private final AtomicInteger sequence = new AtomicInteger();

  ProducerRuns(Vertx vertx, DashboardOptions options, String bootstrapServers, String topic, long allowedLatenessMs,
      Clock clock) {
    this.vertx = vertx;
    this.options = options;
    this.topic = topic;
    this.allowedLatenessMs = allowedLatenessMs;
    this.clock = clock;
    this.producer = new KafkaProducer<>(ProducerRun.producerConfig(bootstrapServers, "pulse-dashboard-producer"),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.executor = vertx.createSharedWorkerExecutor("pulse-producer-runs", options.maxProducerRuns(),
        options.maxProducerDuration().toMillis() + 60_000, TimeUnit.MILLISECONDS);
  }

  /** Validates the request body and starts a run; the answer is the run's state. */
  JsonObject start(JsonObject body) {
    double rate = number(body, "rate", 1000, 0.001, options.maxProducerRate());
    Duration duration = null;
    if (body.containsKey("duration")) {
      Object d = body.getValue("duration");
      String text = d instanceof Number n ? n.longValue() + "s" : String.valueOf(d);
      duration = parseDuration(text);
      if (duration.isZero() || duration.compareTo(options.maxProducerDuration()) > 0) {
        throw new Refused(400, "duration must be > 0 and at most " + options.maxProducerDuration());
      }
    }
    long count = (long) whole(body, "count", -1, 1, options.maxProducerCount());
    if (duration == null && count < 0) {
      duration = Duration.ofSeconds(60);
    }
    int users = (int) whole(body, "users", 1000, 1, 10_000_000);
    int pages = (int) whole(body, "pages", 50, 1, 100_000);
    double lateShare = number(body, "lateShare", 0, 0, 1);
    double invalidShare = number(body, "invalidShare", 0, 0, 1);
    long seed = (long) whole(body, "seed", 42, Long.MIN_VALUE, Long.MAX_VALUE);
    GeneratorSpec spec;
    try {
      spec = new GeneratorSpec(users, pages, lateShare, invalidShare, allowedLatenessMs, seed);
    } catch (IllegalArgumentException e) {
      throw new Refused(400, e.getMessage());
    }
    long running = runs.values().stream().filter(r -> "running".equals(r.state)).count();
    if (running >= options.maxProducerRuns()) {
      throw new Refused(429, "already " + running + " runs going (dashboard.producer.max.runs); stop one first");
    }
    String id = "run-" + sequence.incrementAndGet();
    ProducerRun run = new ProducerRun(producer, topic, spec, rate, count < 0 ? Long.MAX_VALUE : count, duration,
        clock);
    Run entry = new Run(run, rate, clock.millis());
    runs.put(id, entry);
    executor.executeBlocking(run::run, false).onComplete(ar -> {
      if (ar.failed() || run.progress().error() != null) {
        entry.state = "failed";
      } else if (!"stopped".equals(entry.state)) {
        entry.state = "finished";
      }
      forgetOldRuns();
    });
    return status(id).orElseThrow();
  }

  /** Keeps the last {@link #KEEP_ENDED_RUNS} ended runs, so a dashboard that runs for months holds bounded state. */
  private void forgetOldRuns() {
    long ended = runs.values().stream().filter(r -> !"running".equals(r.state)).count();
    Iterator<Run> oldestFirst = runs.values().iterator();
    while (ended > KEEP_ENDED_RUNS && oldestFirst.hasNext()) {
      if (!"running".equals(oldestFirst.next().state)) {
        oldestFirst.remove();
        ended--;
      }
    }
  }

  Optional<JsonObject> status(String id) {
    Run r = runs.get(id);
    if (r == null) {
      return Optional.empty();
    }
    Progress p = r.run.progress();
    return Optional.of(new JsonObject().put("id", id).put("state", r.state).put("sent", p.sent())
        .put("acknowledged", p.acknowledged()).put("failed", p.failed()).put("valid", p.valid()).put("late", p.late())
        .put("invalid", p.invalid()).put("ratePerSec", r.rate).put("startedAt", r.startedAt)
        .put("error", p.error()));
  }

  Optional<JsonObject> stop(String id) {
    Run r = runs.get(id);
    if (r == null) {
      return Optional.empty();
    }
    if ("running".equals(r.state)) {
      r.state = "stopped";
      r.run.stop();
    }
    Optional<JsonObject> stopped = status(id);
    forgetOldRuns();
    return stopped;
  }

  void close() {
    runs.values().forEach(r -> r.run.stop());
    executor.close();
    vertx.executeBlocking(() -> {
      producer.close(Duration.ofSeconds(5));
      return null;
    });
  }

  private static Duration parseDuration(String text) {
    try {
      return dev.pulse.common.config.PulseConfig.parseDuration(text)
          .orElseThrow(() -> new Refused(400, "duration '" + shorten(text) + "' is not a duration (e.g. 30s, 5m)"));
    } catch (ArithmeticException | java.time.DateTimeException e) {
      throw new Refused(400, "duration '" + shorten(text) + "' is too long");
    }
  }

  private static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  /** A number that must have no fraction (counts, sizes, the seed). */
  private static double whole(JsonObject body, String field, double dflt, double min, double max) {
    double d = number(body, field, dflt, min, max);
    if (d != Math.rint(d)) {
      throw new Refused(400, field + " must be a whole number, got " + fmt(d));
    }
    return d;
  }

  private static double number(JsonObject body, String field, double dflt, double min, double max) {
    Object v = body.getValue(field);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Number n)) {
      throw new Refused(400, field + " must be a number");
    }
    double d = n.doubleValue();
    if (Double.isNaN(d) || d < min || d > max) {
      throw new Refused(400, field + " must be between " + fmt(min) + " and " + fmt(max) + ", got " + fmt(d));
    }
    return d;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
