package dev.pulse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How busy all CPUs of the machine were between two readings of /proc/stat (anyone's work, not only ours). */
record MachineCpu(long busy, long total) {

  static MachineCpu now() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new MachineCpu(total - idle, total);
    } catch (IOException | RuntimeException e) {
      return new MachineCpu(0, 0);
    }
  }

  /** Busy share of all CPUs since {@code before}, in percent (0 when unknown). */
  double busyPercentSince(MachineCpu before) {
    long t = total - before.total;
    return t <= 0 ? 0 : 100.0 * (busy - before.busy) / t;
  }
}
