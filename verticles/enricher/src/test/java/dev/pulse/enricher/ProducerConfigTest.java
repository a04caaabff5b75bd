package dev.pulse.enricher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pulse.common.config.ConfigException;
import dev.pulse.common.config.PulseConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProducerConfigTest {

  @Test
  void pulsesTuningHoldsUnlessReplacedAndExactlyOnceSettingsAlwaysHold() {
    EnricherOptions defaults = EnricherOptions.from(PulseConfig.defaults(), "ns");
    Map<String, Object> d = TransactionalPartitionWriter.producerConfig(defaults, "127.0.0.1:9092", "t-0");
    assertEquals("lz4", d.get("compression.type"));
    assertEquals("5", d.get("linger.ms"));

    EnricherOptions tuned = EnricherOptions.from(PulseConfig.defaults().with(Map.of(
        "enricher.producer.compression.type", "zstd", "enricher.producer.linger.ms", "20",
        "enricher.producer.buffer.memory", "67108864", "enricher.transaction.timeout", "30s")), "ns");
    Map<String, Object> t = TransactionalPartitionWriter.producerConfig(tuned, "127.0.0.1:9092", "t-0");
    assertEquals("zstd", t.get("compression.type"));
    assertEquals("20", t.get("linger.ms"));
    assertEquals("67108864", t.get("buffer.memory"));
    assertEquals("t-0", t.get("transactional.id"));
    assertEquals("true", t.get("enable.idempotence"));
    assertEquals("all", t.get("acks"));
    assertEquals("1", t.get("max.in.flight.requests.per.connection"));
    assertEquals("30000", t.get("transaction.timeout.ms"));
  }

  @Test
  void aSettingExactlyOnceRestsOnIsRefusedAtStart() {
    PulseConfig c = PulseConfig.defaults().with(Map.of("enricher.producer.acks", "1"));
    ConfigException e = assertThrows(ConfigException.class, () -> EnricherOptions.from(c, "ns"));
    assertEquals("enricher.producer.acks", e.key());
  }
}
