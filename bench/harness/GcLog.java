package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Peak heap and GC pauses (count, total, longest) from a JVM's -Xlog:gc output (each pause logs
 * used-before->used-after(committed)).
 */
final class GcLog {

  private static final Pattern PAUSE = Pattern.compile("Pause.* (\\d+)M->(\\d+)M\\((\\d+)M\\) ([\\d.]+)ms");

  private GcLog() {
  }

  static String option(Path file) {
    return "-Xlog:gc:file=" + file.toAbsolutePath();
  }

  static JsonObject read(Path file) {
    long peakUsed = 0;
    long peakCommitted = 0;
    double pauses = 0;
    double longest = 0;
    int count = 0;
    try {
      for (String line : Files.readAllLines(file)) {
        Matcher m = PAUSE.matcher(line);
        if (m.find()) {
          peakUsed = Math.max(peakUsed, Long.parseLong(m.group(1)));
          peakCommitted = Math.max(peakCommitted, Long.parseLong(m.group(3)));
          double ms = Double.parseDouble(m.group(4));
          pauses += ms;
          longest = Math.max(longest, ms);
          count++;
        }
      }
    } catch (IOException e) {
      return new JsonObject();
    }
    return new JsonObject().put("peak_heap_used_mb", peakUsed).put("peak_heap_committed_mb", peakCommitted)
        .put("gc_pauses", count).put("gc_pause_total_ms", Math.round(pauses))
        .put("gc_pause_max_ms", Math.round(longest));
  }
}
