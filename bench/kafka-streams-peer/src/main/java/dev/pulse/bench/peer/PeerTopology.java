package dev.pulse.bench.peer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Pulse's job in Kafka Streams: page views per URL per 1-minute tumbling window; distinct users (HLL, lgK as
 * Pulse's) per 5-minute window sliding by 1 minute; every valid event enriched with its processing time.
 *
 * <p>Distinct users are counted like Pulse does: one HLL_8 pane per minute and per bucket of users (Pulse keeps
 * one per Kafka partition), the panes of a 5-minute window merged with an HLL union. Updating five hopping
 * windows per event instead would cost five sketch (de)serializations per event in the state store.
 * Repartitioned values are kept small (page views carry no value, user panes only the user id).
 */
public final class PeerTopology {

  /** The peer's output topics, named after its application id. */
  public record Outputs(String pageViews, String activeUsers, String enriched) {
    public static Outputs of(String applicationId) {
      return new Outputs(applicationId + "-page-views", applicationId + "-active-users",
          applicationId + "-enriched");
    }
  }

  private static final byte[] NO_VALUE = new byte[0];
  private static final String ALL_PANES = "all";

  private PeerTopology() {
  }

  public static Topology build(String input, Outputs outputs, Duration grace, int lgK, int userBuckets) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, ClickEvent> events = builder.stream(input,
        Consumed.with(Serdes.String(), PeerSerdes.clickEvents()).withTimestampExtractor(
            (record, partitionTime) -> record.value() instanceof ClickEvent e ? e.eventTime() : -1));

    events.filter((user, e) -> e.pageView())
        .map((user, e) -> KeyValue.pair(e.pageUrl(), NO_VALUE))
        .groupByKey(Grouped.with("page-views-by-url", Serdes.String(), Serdes.ByteArray()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), grace))
        .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as("page-view-counts")
            .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
        .toStream((window, n) -> window.window().start() + "|" + window.key())
        .to(outputs.pageViews(), Produced.with(Serdes.String(), Serdes.Long()));

    events.map((user, e) -> KeyValue.pair(bucket(e.userId(), userBuckets), e.userId()))
        .groupByKey(Grouped.with("users-by-bucket", Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), grace))
        .aggregate(() -> new HllSketch(lgK, TgtHllType.HLL_8), (bucket, user, pane) -> {
          pane.update(user);
          return pane;
        }, Materialized.<String, HllSketch, WindowStore<Bytes, byte[]>>as("active-user-panes")
            .withKeySerde(Serdes.String()).withValueSerde(PeerSerdes.hllSketches()))
        .toStream()
        .filter((window, pane) -> pane != null)
        // Each pane keeps the timestamp of its latest event, so it lands in the five windows covering its minute.
        .map((window, pane) -> KeyValue.pair(ALL_PANES, pane))
        .groupByKey(Grouped.with("active-user-panes-merged", Serdes.String(), PeerSerdes.hllSketches()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(5), grace).advanceBy(Duration.ofMinutes(1)))
        .aggregate(() -> new Union(lgK), (all, pane, union) -> {
          union.update(pane); // a newer version of a pane holds the older one: HLL union is idempotent
          return union;
        }, Materialized.<String, Union, WindowStore<Bytes, byte[]>>as("active-users")
            .withKeySerde(Serdes.String()).withValueSerde(PeerSerdes.hllUnions()))
        .toStream((window, union) -> String.valueOf(window.window().start()))
        .mapValues(union -> Math.round(union.getEstimate()))
        .to(outputs.activeUsers(), Produced.with(Serdes.String(), Serdes.Long()));

    events.mapValues(PeerTopology::enrich)
        .to(outputs.enriched(), Produced.with(Serdes.String(), Serdes.ByteArray()));
    return builder.build();
  }

  private static String bucket(String userId, int buckets) {
    return "b" + Math.floorMod(userId.hashCode(), buckets);
  }

  /** The original JSON with processing_time and event_date appended, as Pulse's enriched stream has them. */
  static byte[] enrich(ClickEvent e) {
    byte[] raw = e.raw();
    int close = raw.length - 1;
    while (close > 0 && raw[close] != '}') {
      close--;
    }
    byte[] extra = (",\"processing_time\":\"" + Instant.now() + "\",\"event_date\":\""
        + Instant.ofEpochMilli(e.eventTime()).atZone(ZoneOffset.UTC).toLocalDate() + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(raw, close + extra.length);
    System.arraycopy(extra, 0, out, close, extra.length);
    return out;
  }
}
