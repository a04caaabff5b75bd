package dev.pulse.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How many input events each sink of a Pulse run has made durable, read where each sink records it and from
 * outside the node: the aggregator's offsets in PostgreSQL ({@code pulse_partition_progress}), the lake's progress
 * files ({@code _pulse/progress-p*.json}), the enricher's committed offsets (its consumer group). Offsets start at
 * 0 on a fresh topic, so the sum of next offsets is the number of events covered.
 */
final class SinkProgress {

  enum Sink { AGGREGATOR, LAKE_WRITER, ENRICHER }

  private static final Pattern NEXT_OFFSET = Pattern.compile("\"next_offset\"\\s*:\\s*(\\d+)");

  private final List<Sink> sinks;
  private final Connection pg;
  private final Admin admin;
  private final String schema;
  private final String topic;
  private final Path lakeDir;
  private final String enricherGroup;

  SinkProgress(List<Sink> sinks, Connection pg, Admin admin, String schema, String topic, Path lakeDir,
      String enricherGroup) {
    this.sinks = List.copyOf(sinks);
    this.pg = pg;
    this.admin = admin;
    this.schema = schema;
    this.topic = topic;
    this.lakeDir = lakeDir;
    this.enricherGroup = enricherGroup;
  }

  /** Events covered per sink, in the order the sinks were given. */
  Map<Sink, Long> read() {
    Map<Sink, Long> out = new LinkedHashMap<>();
    for (Sink s : sinks) {
      out.put(s, switch (s) {
        case AGGREGATOR -> aggregator();
        case LAKE_WRITER -> lake();
        case ENRICHER -> committedOffsets(admin, enricherGroup, topic);
      });
    }
    return out;
  }

  private long aggregator() {
    try (PreparedStatement st = pg.prepareStatement("SELECT coalesce(sum(next_offset), 0) FROM \"" + schema
        + "\".pulse_partition_progress WHERE topic = ?")) {
      st.setString(1, topic);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      return 0; // the node has not created its tables yet
    }
  }

  private long lake() {
    Path progress = lakeDir.resolve("_pulse");
    if (!Files.isDirectory(progress)) {
      return 0;
    }
    long sum = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(progress, "progress-p*.json")) {
      for (Path f : files) {
        Matcher m = NEXT_OFFSET.matcher(Files.readString(f));
        if (m.find()) {
          sum += Long.parseLong(m.group(1));
        }
      }
    } catch (IOException e) {
      return 0; // a file being replaced: read again at the next sample
    }
    return sum;
  }

  /** Sum of a group's committed offsets on one topic (0 while it has none). */
  static long committedOffsets(Admin admin, String group, String topic) {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      long sum = 0;
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
        if (e.getKey().topic().equals(topic) && e.getValue() != null) {
          sum += e.getValue().offset();
        }
      }
      return sum;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (Exception e) {
      return 0;
    }
  }
}
