package dev.pulse.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;

/**
 * What every measurement of a run shares: the servers, the jars, the input size and where to put files, and the
 * JVM options and Pulse settings ({@code KEY=VALUE}, given to {@code pulse run --set}) of the nodes.
 */
record BenchContext(String bootstrap, String pgUrl, Connection pg, Admin admin, Path pulseJar, String peerClasspath,
    Path work, long events, int partitions, List<String> pulseJavaOptions, List<String> peerJavaOptions,
    List<String> pulseSettings) {

  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  /** The command that starts the Pulse jar with {@code args}, with the JVM options given for Pulse. */
  List<String> pulse(List<String> jvmExtra, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(JAVA);
    cmd.addAll(pulseJavaOptions);
    cmd.addAll(jvmExtra);
    cmd.add("-jar");
    cmd.add(pulseJar.toAbsolutePath().toString());
    cmd.addAll(args);
    return cmd;
  }

  /** A Pulse topic name of a namespace, as Pulse spells it (Topics.forNamespace). */
  static String inputTopic(String namespace) {
    return "user_activity." + namespace;
  }
}
