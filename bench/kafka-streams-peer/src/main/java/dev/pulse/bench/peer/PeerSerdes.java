package dev.pulse.bench.peer;

import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.Union;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Serdes of the peer's values: events are only ever read; sketches go to state stores and repartition topics. */
final class PeerSerdes {

  private PeerSerdes() {
  }

  static Serde<ClickEvent> clickEvents() {
    Serializer<ClickEvent> raw = (topic, e) -> e == null ? null : e.raw();
    Deserializer<ClickEvent> parse = (topic, bytes) -> ClickEvent.parse(bytes);
    return Serdes.serdeFrom(raw, parse);
  }

  /** Kafka Streams keeps aggregates serialized: every event costs a pane's (16 KB) round trip through these. */
  static Serde<HllSketch> hllSketches() {
    Serializer<HllSketch> out = (topic, s) -> s == null ? null : s.toUpdatableByteArray();
    Deserializer<HllSketch> in = (topic, bytes) -> bytes == null ? null : HllSketch.heapify(bytes);
    return Serdes.serdeFrom(out, in);
  }

  static Serde<Union> hllUnions() {
    Serializer<Union> out = (topic, u) -> u == null ? null : u.toUpdatableByteArray();
    Deserializer<Union> in = (topic, bytes) -> bytes == null ? null : Union.heapify(bytes);
    return Serdes.serdeFrom(out, in);
  }
}
