package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Pulse node running as a separate JVM ({@code pulse run} on the test's classpath) with a fixture's settings,
 * for tests in which a process must die: {@link #kill()} is SIGKILL, {@link #stop()} SIGTERM. Its output goes
 * to {@code target/node-<name>.log}. Closing it kills it if it still runs.
 */
final class NodeProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private NodeProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts a node and waits until it says it runs; fails with the path of its log otherwise. */
  static NodeProcess start(PipelineFixture fixture, String name, Map<String, String> extra, List<String> jvmOptions) {
    NodeProcess node = launch(fixture, name, extra, jvmOptions);
    node.awaitRunning();
    return node;
  }

  /**
   * Starts a node without waiting for it, so that several start side by side (a JVM's start-up and its Hazelcast
   * join take seconds, most of it waiting); {@link #awaitRunning()} waits for it.
   */
  static NodeProcess launch(PipelineFixture fixture, String name, Map<String, String> extra,
      List<String> jvmOptions) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java,
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-Xmx512m", "-XX:NewSize=200m", "-XX:G1HeapRegionSize=4m", // the heap settings README and Dockerfile recommend
        // C1 only: up to five JVMs share two cores here, and C2 alone took a fifth of a core per node for the
        // first 100 s of a test (ScaleOutIT, 22 s of 100), which made a node's start take a minute; a later
        // -XX:TieredStopAtLevel in jvmOptions wins
        "-XX:TieredStopAtLevel=1"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.pulse.app.Main", "run",
        "--set=node.name=" + name));
    command.addAll(fixture.settingsAsArguments());
    extra.forEach((k, v) -> command.add("--set=" + k + "=" + v));
    Path log = Path.of("target", "node-" + name + ".log").toAbsolutePath();
    try {
      Files.createDirectories(log.getParent());
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      return new NodeProcess(name, p, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the node says it runs; kills it and fails with the path of its log otherwise. */
  NodeProcess awaitRunning() {
    try {
      await().atMost(Duration.ofSeconds(90)).until(() -> !process.isAlive() || output().contains("Pulse is running"));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    if (!process.isAlive()) {
      throw new IllegalStateException("node " + name + " failed to start, see " + log);
    }
    return this;
  }

  String name() {
    return name;
  }

  /** The JVM's process id (for its RSS and open files in /proc, jcmd, ...). */
  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: the node gets no chance to write anything. */
  void kill() {
    process.destroyForcibly();
    waitForExit();
  }

  /** SIGTERM: the node writes what it holds and gives its partitions up. */
  void stop() {
    process.destroy();
    waitForExit();
  }

  /**
   * SIGSTOP: the node stops answering without dying, as in a long GC pause, a suspended VM or a network split. Its
   * sockets stay open, so nothing but timeouts tells the others it is gone.
   */
  void freeze() {
    signal("STOP");
  }

  /** SIGCONT: a frozen node goes on where it stopped, unaware of the time it lost. */
  void thaw() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits for the node to exit by itself (e.g. at a crash point), within the bound. */
  boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  int exitValue() {
    return process.exitValue();
  }

  String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path log() {
    return log;
  }

  private void waitForExit() {
    if (!awaitExit(Duration.ofSeconds(60))) {
      process.destroyForcibly();
      awaitExit(Duration.ofSeconds(10));
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      awaitExit(Duration.ofSeconds(30));
    }
  }
}
