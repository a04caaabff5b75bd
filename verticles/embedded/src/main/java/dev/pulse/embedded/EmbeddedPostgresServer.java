package dev.pulse.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real PostgreSQL server (zonky's packaged binaries) started as a separate process on loopback. Its data
 * directory is kept between runs unless {@code clean} is asked for. A server that outlived a killed node on
 * the same data directory is stopped first, so a node starts again after a crash with nothing done by hand.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  public static final String USER = "postgres";
  public static final String DATABASE = "postgres";
  /** Bound on an orphan's fast shutdown (one checkpoint, about a second here) before it is killed. */
  private static final Duration ORPHAN_SHUTDOWN = Duration.ofSeconds(30);
  /** Data directories served from this JVM: probing zonky's lock on one of them would release it. */
  private static final Set<Path> SERVED = ConcurrentHashMap.newKeySet();

  private final EmbeddedPostgres postgres;
  private final Path dataDir;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDir) {
    this.postgres = postgres;
    this.dataDir = dataDir;
  }

  /** Starts the server; blocks until it accepts connections. A port of 0 picks a free one. */
  public static EmbeddedPostgresServer start(int port, Path dataDir, boolean clean) {
    // Absolute, so that the server's command line names the directory whatever the working directory.
    Path dir = dataDir.toAbsolutePath().normalize();
    if (!SERVED.add(dir)) {
      throw new IllegalStateException("an embedded PostgreSQL already runs on " + dir + " in this process");
    }
    try {
      return new EmbeddedPostgresServer(startOn(port, dir, clean), dir);
    } catch (RuntimeException e) {
      SERVED.remove(dir);
      throw e;
    }
  }

  private static EmbeddedPostgres startOn(int port, Path dataDir, boolean clean) {
    try {
      Files.createDirectories(dataDir);
      OrphanedPostmaster.clear(dataDir, ORPHAN_SHUTDOWN);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(clean)
          // Pulse stops the server itself, after the pipeline has written its last checkpoint.
          .setRegisterShutdownHook(false)
          .setPGStartupWait(Duration.ofSeconds(60))
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("max_connections", "200")
          .setServerConfig("fsync", "on");
      if (port > 0) {
        // The readiness check would happily connect to another server already on the port.
        if (!FreePorts.isFree(port)) {
          throw new IllegalStateException("port " + port + " on 127.0.0.1 is in use (another Pulse or PostgreSQL?); "
              + "stop it or choose another pg.embedded.port");
        }
        builder.setPort(port);
      }
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dataDir, e);
    }
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return postgres.getPort();
  }

  public String user() {
    return USER;
  }

  public String database() {
    return DATABASE;
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      SERVED.remove(dataDir);
    }
  }
}
