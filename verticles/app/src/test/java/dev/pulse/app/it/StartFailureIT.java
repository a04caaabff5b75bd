package dev.pulse.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** A node that cannot start says why, naming the keys to change, and exits at once instead of hanging. */
class StartFailureIT {

  @AutoClose
  private PipelineFixture fixture;

  @Test
  void aTakenDashboardPortFailsTheStartAtOnceNamingTheKeys() throws Exception {
    // Given the dashboard's port taken by another program
    fixture = new PipelineFixture(Map.of("roles", "ingest,aggregator,dashboard"));
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
          "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.pulse.app.Main", "run"));
      command.addAll(fixture.settingsAsArguments());
      command.add("--set=dashboard.port=" + taken.getLocalPort());
      Path log = Files.createTempFile("start-failure", ".log");

      // When a node starts
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      boolean exited = p.waitFor(60, TimeUnit.SECONDS);
      if (!exited) {
        p.destroyForcibly();
      }

      // Then it exits with a message that names the address and the keys
      assertTrue(exited, "the node should give up at once, see " + log);
      assertEquals(1, p.exitValue());
      String output = Files.readString(log);
      assertTrue(output.contains("pulse: cannot start the node: the dashboard cannot listen on 127.0.0.1:"
          + taken.getLocalPort() + " (dashboard.host, dashboard.port)"), output);
    }
  }
}
