package dev.pulse.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A process the benchmark starts and watches: its output goes to a log file, the first line containing each
 * watched text is remembered with the moment it appeared, and its CPU time and peak RSS are read from /proc.
 */
final class ChildProcess implements AutoCloseable {

  /** The moment a watched text first appeared, and the line it appeared in. */
  record Seen(long nanos, String line) {
  }

  private final Process process;
  private final long launchedNanos;
  private final Path log;
  private final List<String> watched;
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile long peakRssKb;

  private ChildProcess(Process process, long launchedNanos, Path log, List<String> watched) {
    this.process = process;
    this.launchedNanos = launchedNanos;
    this.log = log;
    this.watched = List.copyOf(watched);
    this.reader = new Thread(this::readOutput, "output-of-" + log.getFileName());
    this.reader.setDaemon(true);
    this.reader.start();
  }

  /**
   * Starts {@code command} in {@code dir} with the environment of this process minus anything that would point
   * Pulse elsewhere (PULSE_*, KAFKA_BOOTSTRAP_SERVERS, PG_URL, DB_*), plus {@code env}.
   */
  static ChildProcess start(List<String> command, Path dir, Map<String, String> env, Path log, List<String> watch)
      throws IOException {
    Files.createDirectories(dir);
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("PULSE_") || k.startsWith("DB_")
        || k.equals("KAFKA_BOOTSTRAP_SERVERS") || k.equals("PG_URL") || k.equals("JAVA_TOOL_OPTIONS"));
    pb.environment().putAll(env);
    long launched = System.nanoTime();
    return new ChildProcess(pb.start(), launched, log, watch);
  }

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8)); PrintWriter out = new PrintWriter(Files.newBufferedWriter(log))) {
      String line;
      while ((line = in.readLine()) != null) {
        long now = System.nanoTime();
        for (String w : watched) {
          if (line.contains(w)) {
            seen.putIfAbsent(w, new Seen(now, line));
          }
        }
        out.println(line);
        out.flush(); // read back while the process still runs
      }
    } catch (IOException e) {
      // the process is gone; what it wrote is in the log
    }
  }

  long launchedNanos() {
    return launchedNanos;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  Optional<Seen> seen(String text) {
    return Optional.ofNullable(seen.get(text));
  }

  /** Waits until {@code text} appears; fails when the process ends or the time is up first. */
  Seen await(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Seen s = seen.get(text);
      if (s != null) {
        return s;
      }
      if (!process.isAlive()) {
        reader.join(2_000);
        s = seen.get(text);
        if (s != null) {
          return s;
        }
        throw new IllegalStateException(describe() + " ended (status " + process.exitValue() + ") before printing '"
            + text + "'; its output: " + log);
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(describe() + " did not print '" + text + "' within " + timeout + "; see " + log);
  }

  /** CPU time (user + system) the process has used so far, in nanoseconds. */
  long cpuNanos() {
    return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  /** Peak resident set size (VmHWM) in kB, as last read while the process lived. */
  long peakRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (line.startsWith("VmHWM:")) {
          peakRssKb = Math.max(peakRssKb, Long.parseLong(line.replaceAll("[^0-9]", "")));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone: keep the last value read
    }
    return peakRssKb;
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(describe() + " still runs after " + timeout + "; see " + log);
    }
    reader.join(5_000);
    return process.exitValue();
  }

  /** SIGTERM, so a Pulse node writes its windows and offsets; SIGKILL if it does not end in time. */
  void stop(Duration grace) throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(5_000);
  }

  List<String> logLines() throws IOException {
    return Files.exists(log) ? Files.readAllLines(log) : new ArrayList<>();
  }

  private String describe() {
    return "process " + process.pid() + " (" + log.getFileName() + ")";
  }

  @Override
  public void close() throws InterruptedException {
    stop(Duration.ofSeconds(60));
  }
}
