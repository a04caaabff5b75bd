package dev.pulse.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KafkaClientSettingsTest {

  @Test
  void clientSettingsComeFromFileEnvironmentAndOverridesWithoutTheirPrefix() {
    PulseConfig c = PulseConfig.load(Optional.empty(), Map.of(
            "PULSE_INGEST_CONSUMER_FETCH_MAX_BYTES", "4194304",
            "PULSE_ENRICHER_PRODUCER_LINGER_MS", "20"),
        Map.of("enricher.producer.compression.type", "zstd"));
    assertEquals(Map.of("fetch.max.bytes", "4194304"), KafkaClientSettings.consumer(c));
    assertEquals(Map.of("linger.ms", "20", "compression.type", "zstd"), KafkaClientSettings.producer(c));
  }

  @Test
  void withNoneGivenTheClientsGetNothingExtra() {
    assertEquals(Map.of(), KafkaClientSettings.consumer(PulseConfig.defaults()));
    assertEquals(Map.of(), KafkaClientSettings.producer(PulseConfig.defaults()));
  }

  @Test
  void aNameTheClientDoesNotKnowFailsWithThePulseKey() {
    PulseConfig c = PulseConfig.defaults().with(Map.of("ingest.consumer.fetch.max.byte", "1"));
    ConfigException e = assertThrows(ConfigException.class, () -> KafkaClientSettings.consumer(c));
    assertEquals("ingest.consumer.fetch.max.byte", e.key());
    assertTrue(e.getMessage().contains("not a setting of the Kafka consumer"), e.getMessage());
  }

  @Test
  void aValueTheClientWouldRefuseFailsAtStartWithThePulseKeyAndWhereItCameFrom() {
    PulseConfig c = PulseConfig.load(Optional.empty(), Map.of("PULSE_ENRICHER_PRODUCER_LINGER_MS", "soon"),
        Map.of());
    ConfigException e = assertThrows(ConfigException.class, () -> KafkaClientSettings.producer(c));
    assertEquals("enricher.producer.linger.ms", e.key());
    assertTrue(e.getMessage().contains("PULSE_ENRICHER_PRODUCER_LINGER_MS"), e.getMessage());
    assertTrue(e.getMessage().contains("soon"), e.getMessage());

    PulseConfig outOfRange = PulseConfig.defaults().with(Map.of("enricher.producer.compression.type", "brotli"));
    assertEquals("enricher.producer.compression.type", assertThrows(ConfigException.class,
        () -> KafkaClientSettings.producer(outOfRange)).key());
  }

  @Test
  void everySettingPulseReliesOnIsRefusedWithTheReason() {
    for (String name : KafkaClientSettings.CONSUMER_RESERVED.keySet()) {
      PulseConfig c = PulseConfig.defaults().with(Map.of("ingest.consumer." + name, "x"));
      ConfigException e = assertThrows(ConfigException.class, () -> KafkaClientSettings.consumer(c), name);
      assertEquals("ingest.consumer." + name, e.key());
      assertTrue(e.getMessage().contains(KafkaClientSettings.CONSUMER_RESERVED.get(name)), e.getMessage());
    }
    for (String name : KafkaClientSettings.PRODUCER_RESERVED.keySet()) {
      PulseConfig c = PulseConfig.defaults().with(Map.of("enricher.producer." + name, "x"));
      ConfigException e = assertThrows(ConfigException.class, () -> KafkaClientSettings.producer(c), name);
      assertEquals("enricher.producer." + name, e.key());
    }
  }

  @Test
  void onlyThePassThroughPrefixesTakeKeysTheDefaultsDoNotList() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> PulseConfig.defaults().with(Map.of("ingest.consumers.fetch.max.bytes", "1")));
    assertEquals("ingest.consumers.fetch.max.bytes", e.key());
    assertThrows(ConfigException.class, () -> PulseConfig.defaults().with(Map.of("ingest.consumer.", "1")));
  }
}
