package dev.pulse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pulse.common.config.ConfigException;
import dev.pulse.common.config.PulseConfig;
import dev.pulse.common.model.DeadLetter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestClientsTest {

  private static IngestOptions options(String protocol) {
    return options(protocol, Map.of());
  }

  private static IngestOptions options(String protocol, Map<String, String> consumerSettings) {
    return new IngestOptions("pulse-ingest", protocol, 2_000, 8, 262_144, Duration.ofMinutes(5),
        Instant.parse("2000-01-01T00:00:00Z"), Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30),
        false, Duration.ofSeconds(30), Duration.ofSeconds(60), consumerSettings);
  }

  @Test
  void settingsGivenUnderIngestConsumerReachTheConsumer() {
    PulseConfig config = PulseConfig.defaults().with(Map.of("ingest.consumer.fetch.max.bytes", "8388608",
        "ingest.consumer.max.partition.fetch.bytes", "2097152"));
    IngestOptions o = IngestOptions.from(config, "ns");
    Map<String, Object> c = IngestClients.consumer(o, "127.0.0.1:9092", "n1");
    assertEquals("8388608", c.get("fetch.max.bytes"));
    assertEquals("2097152", c.get("max.partition.fetch.bytes"));
    assertEquals("read_committed", c.get("isolation.level"));
  }

  @Test
  void aConsumerSettingPulseReliesOnIsRefusedAtStartWithItsKey() {
    PulseConfig config = PulseConfig.defaults().with(Map.of("ingest.consumer.enable.auto.commit", "true"));
    ConfigException e = assertThrows(ConfigException.class, () -> IngestOptions.from(config, "ns"));
    assertEquals("ingest.consumer.enable.auto.commit", e.key());
  }

  @Test
  void theConsumerReadsOnlyCommittedRecordsAndNeverCommitsByItself() {
    Map<String, Object> c = IngestClients.consumer(options(IngestOptions.PROTOCOL_CONSUMER), "127.0.0.1:9092", "n1");
    assertEquals("false", c.get("enable.auto.commit"), "offsets are committed once every sink made them durable");
    assertEquals("read_committed", c.get("isolation.level"));
    assertEquals("earliest", c.get("auto.offset.reset"), "a new group starts at the first record, not the last");
    assertEquals("pulse-ingest", c.get("group.id"));
    assertEquals("consumer", c.get("group.protocol"));
    assertEquals("2000", c.get("max.poll.records"));
    assertFalse(c.containsKey("partition.assignment.strategy"), "the KIP-848 protocol assigns on the broker");
  }

  @Test
  void theClassicProtocolRebalancesIncrementally() {
    Map<String, Object> c = IngestClients.consumer(options(IngestOptions.PROTOCOL_CLASSIC), "127.0.0.1:9092", "n1");
    assertEquals("org.apache.kafka.clients.consumer.CooperativeStickyAssignor", c.get("partition.assignment.strategy"));
  }

  @Test
  void deadLettersAreWrittenOnceEachAndFitHoweverLargeTheRecordWas() {
    Map<String, String> p = IngestClients.deadLetterProducer("127.0.0.1:9092", "n1");
    assertEquals("all", p.get("acks"));
    assertEquals("true", p.get("enable.idempotence"));
    assertEquals(String.valueOf(DeadLetter.MAX_RECORD_BYTES), p.get("max.request.size"));
    assertEquals("n1-dlq", p.get("client.id"));
  }
}
