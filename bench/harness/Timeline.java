package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The moments that make a throughput figure: process launch, end of start-up, the moment the followed progress
 * holds the whole input and the moment everything is done (with every sink but the lake followed, the gap between
 * the two is the lake's last roll); and the steady window, from the first sample at which 10 % of the input is
 * durable to the first at which 90 % is, with the process's CPU time and the machine's load at both ends. The
 * window leaves out start-up, the first lake roll or checkpoint (durable progress moves in steps) and the tail,
 * where a run only waits for the last roll.
 */
record Timeline(long launched, long ready, long first, long progressAtFirst, long cpuAtFirst, long last,
    long progressAtLast, long cpuAtLast, double steadyMachineBusyPct, JsonObject steadyCpuSplit, long progressDone,
    long done, long cpuAtDone, long peakRssKb) {

  /** Where the steady window starts and ends, as shares of the input made durable. */
  record Window(double from, double to) {
  }

  static final Window STEADY = new Window(0.10, 0.90);

  private static final long SAMPLE_MS = 100;
  /** Threads are followed every 5th sample (500 ms): reading each one's /proc entry costs the machine too. */
  private static final int THREAD_SAMPLE_EVERY = 5;

  /**
   * Samples {@code progress} every 100 ms until it reaches {@code events} and {@code alsoDone} holds.
   * {@code ready} is when the process printed {@code readyText} (start-up).
   */
  static Timeline follow(ChildProcess p, String readyText, LongSupplier progress, BooleanSupplier alsoDone,
      long events, Duration timeout) throws InterruptedException {
    return follow(p, readyText, progress, alsoDone, events, timeout, STEADY);
  }

  /** The same, with the steady window at {@code window} instead of 10-90 %. */
  static Timeline follow(ChildProcess p, String readyText, LongSupplier progress, BooleanSupplier alsoDone,
      long events, Duration timeout, Window window) throws InterruptedException {
    long deadline = p.launchedNanos() + timeout.toNanos();
    long first = -1;
    long progressAtFirst = 0;
    long cpuAtFirst = 0;
    MachineCpu machineAtFirst = null;
    ThreadCpu threads = null;
    long last = -1;
    long progressAtLast = 0;
    long cpuAtLast = 0;
    MachineCpu machineAtLast = null;
    JsonObject split = null;
    long progressDone = -1;
    int samples = 0;
    while (true) {
      long now = System.nanoTime();
      long covered = progress.getAsLong();
      if (covered >= window.from() * events && first < 0) {
        first = now;
        progressAtFirst = covered;
        cpuAtFirst = p.cpuNanos();
        machineAtFirst = MachineCpu.now();
        threads = ThreadCpu.start(p.pid());
      } else if (threads != null && last < 0 && ++samples % THREAD_SAMPLE_EVERY == 0) {
        threads.sample();
      }
      if (covered >= window.to() * events && last < 0) {
        last = now;
        progressAtLast = covered;
        cpuAtLast = p.cpuNanos();
        machineAtLast = MachineCpu.now();
        threads.sample();
        split = threads.split(progressAtLast - progressAtFirst);
      }
      if (covered >= events && progressDone < 0) {
        progressDone = now;
      }
      if (covered >= events && alsoDone.getAsBoolean()) {
        long cpu = p.cpuNanos();
        long ready = p.seen(readyText).map(ChildProcess.Seen::nanos).orElse(first);
        return new Timeline(p.launchedNanos(), ready, first, progressAtFirst, cpuAtFirst, last, progressAtLast,
            cpuAtLast, machineAtLast.busyPercentSince(machineAtFirst), split, progressDone, now, cpu, p.peakRssKb());
      }
      p.peakRssKb();
      if (!p.alive()) {
        throw new IllegalStateException("the process ended after " + covered + " of " + events
            + " events; see " + p.log());
      }
      if (now > deadline) {
        throw new IllegalStateException("only " + covered + " of " + events + " events after " + timeout
            + "; see " + p.log());
      }
      Thread.sleep(SAMPLE_MS);
    }
  }

  /** The figures of this timeline for {@code events} events, as JSON fields. */
  JsonObject figures(long events) {
    double wall = (done - launched) / 1e9;
    double steadySeconds = (last - first) / 1e9;
    long steadyEvents = progressAtLast - progressAtFirst;
    boolean steady = steadyEvents > 0 && steadySeconds > 0;
    int cpus = Runtime.getRuntime().availableProcessors();
    return new JsonObject()
        .put("steady_events_per_s", steady ? round(steadyEvents / steadySeconds) : null)
        .put("steady_window", String.format(java.util.Locale.ROOT, "%.0f-%.0f %% of the input, %.1f s",
            100.0 * progressAtFirst / events, 100.0 * progressAtLast / events, steadySeconds))
        .put("after_startup_events_per_s", done > ready ? round(events / ((done - ready) / 1e9)) : null)
        .put("whole_process_events_per_s", round(events / wall))
        .put("startup_s", round2((ready - launched) / 1e9))
        .put("steady_from_s", first != -1 ? round2((first - launched) / 1e9) : null)
        .put("steady_to_s", last != -1 ? round2((last - launched) / 1e9) : null)
        .put("done_s", round2(wall))
        // when the followed progress held every event; done_s waits for alsoDone too (the lake's last roll)
        .put("progress_done_s", round2((progressDone - launched) / 1e9))
        .put("cpu_us_per_event", round2(cpuAtDone / 1e3 / events))
        .put("steady_cpu_us_per_event", steady ? round2((cpuAtLast - cpuAtFirst) / 1e3 / steadyEvents) : null)
        .put("steady_process_cpu_pct_of_machine", steady
            ? round2(100.0 * (cpuAtLast - cpuAtFirst) / 1e9 / steadySeconds / cpus) : null)
        .put("steady_machine_busy_pct", round2(steadyMachineBusyPct))
        .put("steady_cpu_split", steadyCpuSplit)
        .put("peak_rss_mb", round(peakRssKb / 1024.0));
  }

  static long round(double v) {
    return Math.round(v);
  }

  static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
