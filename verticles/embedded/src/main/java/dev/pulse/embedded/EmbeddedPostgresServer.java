package dev.pulse.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real PostgreSQL server (zonky's packaged binaries) started as a child process on loopback. Its data
 * directory is kept between runs unless {@code clean} is asked for.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  public static final String USER = "postgres";
  public static final String DATABASE = "postgres";

  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Starts the server; blocks until it accepts connections. A port of 0 picks a free one. */
  public static EmbeddedPostgresServer start(int port, Path dataDir, boolean clean) {
    try {
      Files.createDirectories(dataDir);
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
      return new EmbeddedPostgresServer(builder.start());
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
    }
  }
}
