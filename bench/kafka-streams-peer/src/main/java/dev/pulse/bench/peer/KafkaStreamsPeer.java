package dev.pulse.bench.peer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Runs {@link PeerTopology} until stopped (SIGTERM). Prints one line per state change; the benchmark reads
 * "state RUNNING" as the end of start-up and follows progress through the group's committed offsets.
 *
 * <p>usage: --bootstrap HOST:PORT --input TOPIC --application-id ID --state-dir DIR [--threads N]
 * [--grace-ms MS] [--commit-interval-ms MS] [--lgk K] [--partitions P]
 */
public final class KafkaStreamsPeer {

  public static void main(String[] args) throws Exception {
    Map<String, String> a = arguments(args);
    String applicationId = a.get("application-id");
    String bootstrap = a.get("bootstrap");
    int partitions = Integer.parseInt(a.getOrDefault("partitions", "6"));
    PeerTopology.Outputs outputs = PeerTopology.Outputs.of(applicationId);
    createTopics(bootstrap, partitions, outputs);

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, a.getOrDefault("commit-interval-ms", "500"));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG,
        a.getOrDefault("threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
    p.put(StreamsConfig.STATE_DIR_CONFIG, Path.of(a.get("state-dir")).toAbsolutePath().toString());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

    KafkaStreams streams = new KafkaStreams(PeerTopology.build(a.get("input"), outputs,
        Duration.ofMillis(Long.parseLong(a.getOrDefault("grace-ms", "30000"))),
        Integer.parseInt(a.getOrDefault("lgk", "14")), partitions), p);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((now, before) -> System.out.println("kafka-streams state " + now));
    streams.setUncaughtExceptionHandler(e -> {
      System.out.println("kafka-streams failed: " + e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
          .SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(60));
      stopped.countDown();
    }, "peer-shutdown"));
    streams.start();
    stopped.await();
  }

  private static void createTopics(String bootstrap, int partitions, PeerTopology.Outputs outputs)
      throws InterruptedException {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String t : List.of(outputs.pageViews(), outputs.activeUsers(), outputs.enriched())) {
        topics.add(new NewTopic(t, partitions, (short) 1));
      }
      try {
        admin.createTopics(topics).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("cannot create the peer's output topics: " + e.getCause(), e);
        }
      }
    }
  }

  private static Map<String, String> arguments(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      out.put(args[i].substring(2), args[i + 1]);
    }
    for (String required : List.of("bootstrap", "input", "application-id", "state-dir")) {
      if (!out.containsKey(required)) {
        throw new IllegalArgumentException("missing --" + required);
      }
    }
    return out;
  }
}
