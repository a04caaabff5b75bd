package dev.pulse.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad configuration stops the node before it starts anything, with a message that names the key. */
class CommandLineTest {

  private record Outcome(int exitCode, String stderr) {
  }

  private static Outcome execute(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new Main()).execute(args);
      return new Outcome(code, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  @Test
  void aBadLatenessStopsRunWithTheKeyInTheMessage() {
    Outcome o = execute("run", "--set", "watermark.allowed.lateness=soon");
    assertEquals(2, o.exitCode());
    assertTrue(o.stderr().contains("watermark.allowed.lateness"), o.stderr());
    assertTrue(o.stderr().contains("'soon'"), o.stderr());
  }

  @Test
  void anUnknownRoleStopsRun() {
    Outcome o = execute("run", "--roles", "ingest,aggregator,chef");
    assertEquals(2, o.exitCode());
    assertTrue(o.stderr().contains("roles") && o.stderr().contains("chef"), o.stderr());
  }

  @Test
  void aMisspelledKeyStopsRun() {
    Outcome o = execute("run", "--set", "aggregator.latenes=30s");
    assertEquals(2, o.exitCode());
    assertTrue(o.stderr().contains("unknown config key 'aggregator.latenes'"), o.stderr());
  }

  @Test
  void produceRejectsSharesThatDoNotAddUp() {
    Outcome o = execute("produce", "--late-share", "0.7", "--invalid-share", "0.6", "--count", "1");
    assertEquals(2, o.exitCode());
    assertTrue(o.stderr().contains("shares"), o.stderr());
  }
}
