package dev.pulse.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import dev.pulse.embedded.FreePorts;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
  void aKafkaClientSettingPulseReliesOnOrCannotParseStopsRun() {
    Outcome reserved = execute("run", "--set", "ingest.consumer.isolation.level=read_uncommitted");
    assertEquals(2, reserved.exitCode());
    assertTrue(reserved.stderr().contains("ingest.consumer.isolation.level"), reserved.stderr());
    assertTrue(reserved.stderr().contains("reads committed records only"), reserved.stderr());

    Outcome bad = execute("run", "--set", "enricher.producer.linger.ms=soon");
    assertEquals(2, bad.exitCode());
    assertTrue(bad.stderr().contains("enricher.producer.linger.ms"), bad.stderr());

    Outcome unknown = execute("run", "--set", "ingest.consumer.fetch.max.byte=1");
    assertEquals(2, unknown.exitCode());
    assertTrue(unknown.stderr().contains("not a setting of the Kafka consumer"), unknown.stderr());
  }

  @Test
  void produceRejectsSharesThatDoNotAddUp() {
    Outcome o = execute("produce", "--late-share", "0.7", "--invalid-share", "0.6", "--count", "1");
    assertEquals(2, o.exitCode());
    assertTrue(o.stderr().contains("shares"), o.stderr());
  }

  @Test
  void verifyWithAMisspelledKeyExitsTwoNamingIt() {
    Outcome o = execute("verify", "--set", "lake.dirr=somewhere");
    assertEquals(2, o.exitCode());
    assertTrue(o.stderr().contains("unknown config key 'lake.dirr'"), o.stderr());
  }

  @Test
  void verifyWithABadSchemaExitsTwoNamingTheKey() {
    Outcome o = execute("verify", "--set", "pg.schema=Pulse-Results");
    assertEquals(2, o.exitCode());
    assertTrue(o.stderr().contains("pg.schema") && o.stderr().contains("'Pulse-Results'"), o.stderr());
  }

  @Test
  void verifyRejectsARangeThatEndsBeforeItStarts() {
    Outcome o = execute("verify", "--from", "2026-01-15T10:05:00Z", "--to", "2026-01-15T10:00:00Z");
    assertEquals(2, o.exitCode());
    assertTrue(o.stderr().contains("--from 2026-01-15T10:05:00Z is not before --to"), o.stderr());
  }

  @Test
  void verifyRejectsATimeThatIsNotAnInstant() {
    Outcome o = execute("verify", "--from", "yesterday");
    assertEquals(2, o.exitCode());
    assertTrue(o.stderr().contains("--from") && o.stderr().contains("yesterday"), o.stderr());
  }

  @Test
  void verifyWithoutALakeExitsThree(@TempDir Path dir) {
    Outcome o = execute("verify", "--set", "lake.dir=" + dir.resolve("missing"));
    assertEquals(3, o.exitCode());
    assertTrue(o.stderr().contains("no lake at " + dir.resolve("missing")), o.stderr());
  }

  @Test
  void verifyThatCannotReachPostgresExitsThree(@TempDir Path lake) {
    String nobody = InetAddress.getLoopbackAddress().getHostAddress() + ":" + FreePorts.one();
    Outcome o = execute("verify", "--set", "lake.dir=" + lake,
        "--set", "pg.url=postgresql://pulse@" + nobody + "/pulse");
    assertEquals(3, o.exitCode());
    assertTrue(o.stderr().contains("cannot connect to PostgreSQL at postgresql://pulse@" + nobody + "/pulse"),
        o.stderr());
  }

  @Test
  void verifyHelpPrintsWithoutFormatWarnings() {
    Outcome o = execute("verify", "--help");
    assertEquals(0, o.exitCode());
    assertEquals("", o.stderr(), "picocli reads '%' in descriptions as a format");
  }
}
