package dev.pulse.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pulse run --training-run} under {@code -XX:ArchiveClassesAtExit}, as the Dockerfile runs it: the packaged
 * jar goes once through every sink on its own temporary Kafka and PostgreSQL, leaves the configured places alone,
 * and the archive it leaves is one the JVM maps Pulse's classes from.
 */
class ClassDataArchiveIT {

  private static final Pattern SUMMARY = Pattern.compile("training run: (\\d+) events and (\\d+) invalid records "
      + "through \\{aggregator=(\\d+), lake-writer=(\\d+), enricher=(\\d+)}");

  @Test
  void aTrainingRunWritesAnArchiveThatANodeStartsWith(@TempDir Path dir) throws Exception {
    // Given the packaged jar and a configuration whose lake is a folder of the test's
    Path jar = Path.of("target", "pulse.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "the package phase built " + jar);
    Path archive = dir.resolve("pulse.jsa");
    Path configuredLake = dir.resolve("configured-lake");

    // When a training run is started with -XX:ArchiveClassesAtExit
    String training = run(dir.resolve("training.log"), 240, "-Xmx512m", "-XX:NewSize=200m", "-XX:G1HeapRegionSize=4m",
        "-XX:ArchiveClassesAtExit=" + archive, "-jar", jar.toString(), "run", "--training-run",
        "--set=lake.dir=" + configuredLake, "--set=cluster.enabled=false");

    // Then every sink took every valid event, the invalid ones aside, and nothing went to the configured lake
    Matcher m = SUMMARY.matcher(training);
    assertTrue(m.find(), "the training run's summary line, in:\n" + tail(training));
    long valid = Long.parseLong(m.group(1));
    assertEquals(30_000, valid + Long.parseLong(m.group(2)), "every record sent was read");
    for (int sink = 3; sink <= 5; sink++) {
      assertEquals(valid, Long.parseLong(m.group(sink)), "events through sink " + sink + " in: " + m.group());
    }
    assertFalse(Files.exists(configuredLake), "the training run wrote to the configured lake");
    assertTrue(Files.size(archive) > 0, "an archive was written");

    // and a JVM given the archive maps Pulse's classes from it (-Xshare:on refuses to start when it cannot)
    String started = run(dir.resolve("shared.log"), 60, "-Xshare:on", "-XX:SharedArchiveFile=" + archive,
        "-Xlog:class+load=info", "-jar", jar.toString(), "run", "--help");
    assertTrue(started.contains("dev.pulse.app.RunCommand source: shared objects file (top)"),
        "RunCommand mapped from the archive, in:\n" + tail(started));
  }

  /** Runs {@code java args}, which must exit 0 within the bound; returns its output. */
  private static String run(Path log, int boundSeconds, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean exited = p.waitFor(boundSeconds, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly().waitFor();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(exited, String.join(" ", command) + " still ran after " + boundSeconds + " s:\n" + tail(output));
    assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + tail(output));
    return output;
  }

  private static String tail(String output) {
    return output.length() <= 4_000 ? output : output.substring(output.length() - 4_000);
  }
}
