package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka Streams peer (bench/kafka-streams-peer) on the same input, timed like a Pulse node: from JVM start
 * until its group has committed every input offset and its repartition topics are consumed to the end. Then its
 * outputs are read back and compared with what the input holds: a fast peer that drops records proves nothing.
 */
final class StreamsPeerRun {

  static final String READY = "kafka-streams state RUNNING";
  private static final String FAILED = "kafka-streams failed";

  private StreamsPeerRun() {
  }

  static JsonObject measure(BenchContext ctx, String topic, String applicationId, Duration grace, InputFacts facts)
      throws Exception {
    Path dir = ctx.work().resolve(applicationId);
    List<String> cmd = new ArrayList<>(List.of(BenchContext.JAVA, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        GcLog.option(dir.resolve("gc.log"))));
    cmd.addAll(ctx.peerJavaOptions());
    cmd.addAll(List.of("-cp", ctx.peerClasspath(), "dev.pulse.bench.peer.KafkaStreamsPeer",
        "--bootstrap", ctx.bootstrap(), "--input", topic, "--application-id", applicationId,
        "--state-dir", dir.resolve("state").toString(), "--grace-ms", String.valueOf(grace.toMillis()),
        "--commit-interval-ms", "500", "--lgk", "14", "--partitions", String.valueOf(ctx.partitions())));
    ChildProcess peer = ChildProcess.start(cmd, dir, Map.of(), dir.resolve("peer.log"), List.of(READY, FAILED));
    JsonObject figures;
    try {
      Timeline t = Timeline.follow(peer, READY, () -> {
        if (peer.seen(FAILED).isPresent()) {
          throw new IllegalStateException("the Kafka Streams peer failed; see " + peer.log());
        }
        return SinkProgress.committedOffsets(ctx.admin(), applicationId, topic);
      }, () -> repartitionsConsumed(ctx, applicationId), ctx.events(), PulseThroughput.timeout(ctx.events()));
      figures = new JsonObject().put("name", "Kafka Streams peer (grace " + grace.toSeconds() + " s)")
          .put("grace_s", grace.toSeconds()).mergeIn(t.figures(ctx.events()));
    } finally {
      peer.stop(Duration.ofSeconds(60));
    }
    figures.mergeIn(GcLog.read(dir.resolve("gc.log"))).put("log", peer.log().toString());
    return figures.put("correctness", check(ctx, applicationId, facts));
  }

  /** Every repartition topic of the application consumed and committed up to its end (markers included). */
  private static boolean repartitionsConsumed(BenchContext ctx, String applicationId) {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed = ctx.admin().listConsumerGroupOffsets(applicationId)
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      List<TopicPartition> internal = new ArrayList<>();
      for (String t : ctx.admin().listTopics().names().get(10, TimeUnit.SECONDS)) {
        if (t.startsWith(applicationId + "-") && t.endsWith("-repartition")) {
          for (int p = 0; p < ctx.partitions(); p++) {
            internal.add(new TopicPartition(t, p));
          }
        }
      }
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      internal.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResultInfo> ends = ctx.admin().listOffsets(latest).all()
          .get(10, TimeUnit.SECONDS);
      for (TopicPartition tp : internal) {
        long end = ends.get(tp).offset();
        OffsetAndMetadata c = committed.get(tp);
        if (end > 0 && (c == null || c.offset() < end)) {
          return false;
        }
      }
      return !internal.isEmpty();
    } catch (Exception e) {
      return false;
    }
  }

  /** The peer's outputs against the input: page views counted, distinct users, enriched events. */
  private static JsonObject check(BenchContext ctx, String applicationId, InputFacts facts) {
    Map<String, Long> pageViews = new HashMap<>();
    TopicReader.readAll(ctx.bootstrap(), applicationId + "-page-views",
        r -> pageViews.put(new String(r.key(), StandardCharsets.UTF_8), ByteBuffer.wrap(r.value()).getLong()));
    long counted = pageViews.values().stream().mapToLong(Long::longValue).sum();
    Map<Long, Long> activeUsers = new HashMap<>();
    TopicReader.readAll(ctx.bootstrap(), applicationId + "-active-users",
        r -> activeUsers.put(Long.parseLong(new String(r.key(), StandardCharsets.UTF_8)),
            ByteBuffer.wrap(r.value()).getLong()));
    long enriched = TopicReader.readAll(ctx.bootstrap(), applicationId + "-enriched", r -> { });
    return Correctness.of(facts, counted, activeUsers, enriched);
  }
}
