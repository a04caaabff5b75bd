package dev.pulse.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The servers every measurement uses: Pulse's own in-process Kafka broker and embedded PostgreSQL, started by a
 * {@code pulse run --roles dashboard} process (a node that starts them because it is given none), on free ports
 * of 127.0.0.1, with its data in the benchmark's work directory.
 */
final class Infrastructure implements AutoCloseable {

  private final ChildProcess process;
  final String bootstrap;
  final int pgPort;

  private Infrastructure(ChildProcess process, String bootstrap, int pgPort) {
    this.process = process;
    this.bootstrap = bootstrap;
    this.pgPort = pgPort;
  }

  static Infrastructure start(Path pulseJar, Path dir) throws Exception {
    int kafkaPort = freePortPair();
    int pgPort = freePort();
    List<String> cmd = List.of(BenchContext.JAVA, "-jar", pulseJar.toAbsolutePath().toString(), "run",
        "--roles", "dashboard", "--set", "cluster.enabled=false", "--set", "dashboard.port=0",
        "--set", "kafka.embedded.port=" + kafkaPort, "--set", "kafka.embedded.dir=" + dir.resolve("kafka"),
        "--set", "pg.embedded.port=" + pgPort, "--set", "pg.embedded.dir=" + dir.resolve("postgres"));
    ChildProcess p = ChildProcess.start(cmd, dir, Map.of(), dir.resolve("infrastructure.log"),
        List.of(PulseThroughput.READY));
    try {
      p.await(PulseThroughput.READY, Duration.ofSeconds(180));
    } catch (RuntimeException e) {
      p.stop(Duration.ofSeconds(30));
      throw e;
    }
    return new Infrastructure(p, "127.0.0.1:" + kafkaPort, pgPort);
  }

  String pgUrl() {
    return "postgresql://postgres@127.0.0.1:" + pgPort + "/postgres";
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
  }

  long pid() {
    return process.pid();
  }

  /** The broker also takes the next port for its controller. */
  private static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = freePort();
      try (ServerSocket next = new ServerSocket(port + 1, 1, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no two free consecutive ports on 127.0.0.1");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.stop(Duration.ofSeconds(60));
  }
}
