package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine a run measured: CPUs, their model, memory, Java. */
final class Machine {

  private Machine() {
  }

  static JsonObject describe() {
    JsonObject j = new JsonObject().put("cpus", Runtime.getRuntime().availableProcessors())
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    try {
      Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
          .ifPresent(l -> j.put("cpu_model", l.substring(l.indexOf(':') + 1).trim()));
      Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst()
          .ifPresent(l -> j.put("memory_mb", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024));
    } catch (Exception e) {
      // not Linux: cpus and Java are enough
    }
    return j;
  }
}
