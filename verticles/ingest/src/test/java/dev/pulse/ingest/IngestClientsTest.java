package dev.pulse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pulse.common.model.DeadLetter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestClientsTest {

  private static IngestOptions options(String protocol) {
    return new IngestOptions("pulse-ingest", protocol, 2_000, 8, 262_144, Duration.ofMinutes(5),
        Instant.parse("2000-01-01T00:00:00Z"), Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30),
        false, Duration.ofSeconds(30), Duration.ofSeconds(60));
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
