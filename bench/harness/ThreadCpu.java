package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A process's CPU time split by what its threads do, read from /proc/PID/task: the JIT compilers, the garbage
 * collector, and the rest (the application's own threads). On a 2-core machine the JIT is a large share for the
 * first minute of a JVM's life, so a figure without it says what a warmed-up node costs.
 */
record ThreadCpu(long jitTicks, long gcTicks, long otherTicks) {

  private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

  static ThreadCpu of(long pid) {
    long jit = 0;
    long gc = 0;
    long other = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks) {
        try {
          String name = Files.readString(task.resolve("comm")).trim();
          String stat = Files.readString(task.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
          if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            jit += ticks;
          } else if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.startsWith("VM Thread")) {
            gc += ticks;
          } else {
            other += ticks;
          }
        } catch (IOException | RuntimeException gone) {
          // a thread that ended meanwhile
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
    return new ThreadCpu(jit, gc, other);
  }

  /** The split of the CPU used between {@code before} and this, in µs per event. */
  JsonObject since(ThreadCpu before, long events) {
    Map<String, Object> m = new HashMap<>();
    m.put("jit_us_per_event", perEvent(jitTicks - before.jitTicks, events));
    m.put("gc_us_per_event", perEvent(gcTicks - before.gcTicks, events));
    m.put("application_us_per_event", perEvent(otherTicks - before.otherTicks, events));
    return new JsonObject(m);
  }

  private static double perEvent(long ticks, long events) {
    return events <= 0 ? 0 : Timeline.round2(ticks / TICKS_PER_SECOND * 1e6 / events);
  }
}
