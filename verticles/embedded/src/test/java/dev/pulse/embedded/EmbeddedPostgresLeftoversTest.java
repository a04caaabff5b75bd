package dev.pulse.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a killed node leaves in its PostgreSQL data directory must not stop the next start. (The server that
 * outlives the node is covered end to end by EmbeddedRestartIT, which kills a real node.)
 */
class EmbeddedPostgresLeftoversTest {

  @Test
  void aPidFileNamingALiveProcessThatIsNotPostgresDoesNotBlockTheStart(@TempDir Path dir) throws Exception {
    // Given a data directory whose postmaster.pid names a pid that now belongs to another program
    initialize(dir);
    Process unrelated = new ProcessBuilder("sleep", "60").start();
    try {
      writePidFile(dir, unrelated.pid());

      // When the server starts on it, then it serves, and the other program was left alone
      try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(0, dir, false)) {
        assertEquals(42, sixTimesSeven(pg));
      }
      assertTrue(unrelated.isAlive());
    } finally {
      unrelated.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPidFileNamingADeadProcessDoesNotBlockTheStart(@TempDir Path dir) throws Exception {
    // Given a data directory whose postmaster.pid names a process that has exited
    initialize(dir);
    Process gone = new ProcessBuilder("true").start();
    assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
    writePidFile(dir, gone.pid());

    // When the server starts on it, then it serves
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(0, dir, false)) {
      assertEquals(42, sixTimesSeven(pg));
    }
  }

  @Test
  void aSecondServerOnADataDirectoryServedFromThisProcessIsRefusedAndTheFirstKeepsServing(@TempDir Path dir)
      throws Exception {
    try (EmbeddedPostgresServer first = EmbeddedPostgresServer.start(0, dir, false)) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> EmbeddedPostgresServer.start(0, dir, false));
      assertTrue(e.getMessage().contains("already runs on"), e.getMessage());
      assertEquals(42, sixTimesSeven(first));
    }
  }

  /** Runs initdb and stops the server cleanly, as a first run of a node does. */
  private static void initialize(Path dir) {
    EmbeddedPostgresServer.start(0, dir, false).close();
  }

  /** The first lines of PostgreSQL's own format: pid, data directory, start time, port. */
  private static void writePidFile(Path dir, long pid) throws Exception {
    Files.write(dir.resolve("postmaster.pid"), List.of(Long.toString(pid), dir.toAbsolutePath().toString(),
        "1700000000", "5433"));
  }

  private static int sixTimesSeven(EmbeddedPostgresServer pg) throws Exception {
    try (Connection c = DriverManager.getConnection(
        "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + pg.database(), pg.user(), "");
         ResultSet rs = c.createStatement().executeQuery("SELECT 6 * 7")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
