package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A process's CPU time over a window, split by what its threads do, read from /proc/PID/task: the JIT compilers,
 * the garbage collector, and the rest (the application's own threads). On a 2-core machine the JIT is a large
 * share for the first minute of a JVM's life, so a figure without it says what a warmed-up node costs.
 *
 * <p>The JVM starts and ends compiler and GC threads as it needs them, and an ended thread's time leaves
 * /proc/PID/task with it: comparing two snapshots would lose it (and a split could come out negative). So each
 * thread is followed by its id from the start of the window, sampled while the window lasts; a thread that ends
 * loses only what it used since its last sample.
 */
final class ThreadCpu {

  private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

  private enum Kind { JIT, GC, OTHER }

  /** One thread: what it is, its ticks when the window started (0 if born in it), and at its last sample. */
  private static final class Task {
    final Kind kind;
    final long atStart;
    long last;

    Task(Kind kind, long atStart) {
      this.kind = kind;
      this.atStart = atStart;
      this.last = atStart;
    }
  }

  private final long pid;
  private final Map<String, Task> tasks = new HashMap<>();

  private ThreadCpu(long pid) {
    this.pid = pid;
  }

  /** Starts a window now: every thread's time so far is left out. */
  static ThreadCpu start(long pid) {
    ThreadCpu t = new ThreadCpu(pid);
    t.read(true);
    return t;
  }

  /** Records every thread's time so far; threads born since the start count from zero. */
  void sample() {
    read(false);
  }

  private void read(boolean atStart) {
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : dir) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
          String tid = task.getFileName().toString();
          Task t = tasks.get(tid);
          if (t == null) {
            t = new Task(kind(Files.readString(task.resolve("comm")).trim()), atStart ? ticks : 0);
            tasks.put(tid, t);
          }
          t.last = Math.max(t.last, ticks);
        } catch (IOException | RuntimeException gone) {
          // a thread that ended meanwhile: its last sample stands
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
  }

  private static Kind kind(String threadName) {
    if (threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler")) {
      return Kind.JIT;
    }
    if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ") || threadName.startsWith("VM Thread")) {
      return Kind.GC;
    }
    return Kind.OTHER;
  }

  /** The split of the CPU used from the start to the last sample, in µs per event. */
  JsonObject split(long events) {
    long[] ticks = new long[Kind.values().length];
    for (Task t : tasks.values()) {
      ticks[t.kind.ordinal()] += t.last - t.atStart;
    }
    Map<String, Object> m = new HashMap<>();
    m.put("jit_us_per_event", perEvent(ticks[Kind.JIT.ordinal()], events));
    m.put("gc_us_per_event", perEvent(ticks[Kind.GC.ordinal()], events));
    m.put("application_us_per_event", perEvent(ticks[Kind.OTHER.ordinal()], events));
    return new JsonObject(m);
  }

  private static double perEvent(long ticks, long events) {
    return events <= 0 ? 0 : Timeline.round2(ticks / TICKS_PER_SECOND * 1e6 / events);
  }
}
