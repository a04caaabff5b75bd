package dev.pulse.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pulse.common.model.ClickEvent;
import dev.pulse.common.model.EventBatch;
import dev.pulse.common.model.PartitionId;
import dev.pulse.common.model.SinkCheckpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lake's string columns hold exactly the events' text, read back by DuckDB: ASCII and not, short and longer
 * than any buffer, values repeated (dictionary pages) and unique, one value right after a longer one.
 */
class LakeStringsTest {

  private static final byte[] NO_FIELDS = "{}".getBytes(StandardCharsets.UTF_8);
  private static final long NOON = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();

  @TempDir
  Path lake;

  @ParameterizedTest(name = "{0} level {1}")
  @CsvSource({"ZSTD, 1", "ZSTD, 19", "SNAPPY, 1", "UNCOMPRESSED, 1"})
  void everyStringColumnReadsBackAsWritten(CompressionCodecName codec, int level) throws Exception {
    Random random = new Random(42);
    String[] alphabet = {"a", "Z", "0", "/", "-", "é", "ü", "日本", "€", "😀", "\u007f", "\u0080", "\uffff"};
    List<ClickEvent> events = new ArrayList<>();
    int n = 8_000;
    for (int i = 0; i < n; i++) {
      String user = i % 7 == 0 ? text(random, alphabet, 1 + random.nextInt(40)) : "u-" + random.nextInt(300);
      String page = i % 11 == 0 ? text(random, alphabet, 1 + random.nextInt(600)) : "/products/" + random.nextInt(50);
      String type = i % 13 == 0 ? text(random, alphabet, 1 + random.nextInt(5)) : "page_view";
      String id = i % 17 == 0 ? text(random, alphabet, 300 + random.nextInt(400)) : "e-" + i;
      events.add(new ClickEvent(i, id, user, page, type, NOON + i, NOON + i, false, NO_FIELDS, true, false));
    }
    LakeOptions options = new LakeOptions(null, 64L * 1024 * 1024, Duration.ofMinutes(1), Duration.ofMinutes(1),
        codec, level, 1024 * 1024);
    PartitionLakeWriter writer = new PartitionLakeWriter(lake, 0, options, SinkCheckpoint.START);
    writer.append(new EventBatch(new PartitionId("user_activity", 0), 0, n, events, NOON, NOON + n), 0);
    writer.seal();
    writer.roll(0);

    Map<Long, List<String>> read = new HashMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet rs = c.createStatement().executeQuery("SELECT kafka_offset, event_id, user_id, page_url, event_type"
            + " FROM read_parquet('" + lake + "/**/*.parquet', hive_partitioning = true)")) {
      while (rs.next()) {
        read.put(rs.getLong(1), List.of(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
      }
    }
    assertEquals(n, read.size());
    for (ClickEvent e : events) {
      assertEquals(List.of(e.eventId(), e.userId(), e.pageUrl(), e.eventType()), read.get(e.offset()),
          "row of offset " + e.offset());
    }
  }

  private static String text(Random random, String[] alphabet, int parts) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < parts; i++) {
      b.append(alphabet[random.nextInt(alphabet.length)]);
    }
    return b.toString();
  }
}
