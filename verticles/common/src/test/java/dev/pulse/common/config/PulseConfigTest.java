package dev.pulse.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.Role;
import dev.pulse.common.Sink;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PulseConfigTest {

  @Test
  void environmentVariablesOverrideDefaultsByGenericNameAndByAlias() {
    PulseConfig c = PulseConfig.load(Optional.empty(), Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
        "PULSE_WATERMARK_IDLE_TIMEOUT", "5s",
        "PULSE_ALLOWED_LATENESS", "1m",
        "UNRELATED", "x"), Map.of());
    assertEquals("broker:9092", KafkaOptions.from(c).bootstrap());
    assertEquals(Duration.ofSeconds(5), c.duration("watermark.idle.timeout", Duration.ZERO, Duration.ofDays(1)));
    assertEquals(Duration.ofMinutes(1), c.duration("watermark.allowed.lateness", Duration.ZERO, Duration.ofDays(1)));
  }

  @Test
  void aBadValueNamesTheKeyAndWhereItCameFrom() {
    PulseConfig c = PulseConfig.load(Optional.empty(), Map.of("PULSE_PARTITIONS", "many"), Map.of());
    ConfigException e = assertThrows(ConfigException.class, () -> KafkaOptions.from(c));
    assertEquals("topics.partitions", e.key());
    assertTrue(e.getMessage().contains("PULSE_PARTITIONS"), e.getMessage());
    assertTrue(e.getMessage().contains("'many'"), e.getMessage());
  }

  @Test
  void outOfRangeAndUnparsableValuesAreRejected() {
    PulseConfig c = PulseConfig.defaults().with(Map.of("aggregator.hll.lgk", "30", "watermark.allowed.lateness",
        "-5s", "ingest.max.event.bytes", "2 lots"));
    assertEquals("aggregator.hll.lgk", assertThrows(ConfigException.class,
        () -> c.intIn("aggregator.hll.lgk", 4, 21)).key());
    assertThrows(ConfigException.class,
        () -> c.duration("watermark.allowed.lateness", Duration.ZERO, Duration.ofDays(1)));
    assertThrows(ConfigException.class, () -> c.bytes("ingest.max.event.bytes", 1, Long.MAX_VALUE));
  }

  @Test
  void sizesAndDurationsHaveUnits() {
    PulseConfig c = PulseConfig.defaults().with(Map.of("ingest.max.event.bytes", "256KB",
        "aggregator.flush.interval", "PT0.25S"));
    assertEquals(256 * 1024, c.bytes("ingest.max.event.bytes", 1, Long.MAX_VALUE));
    assertEquals(Duration.ofMillis(250), c.duration("aggregator.flush.interval", Duration.ZERO, Duration.ofDays(1)));
  }

  @Test
  void aDurationTooLargeToHoldNamesItsKey() {
    PulseConfig c = PulseConfig.defaults().with(Map.of("dashboard.producer.max.duration", "999999999999999999d"));
    ConfigException e = assertThrows(ConfigException.class,
        () -> c.duration("dashboard.producer.max.duration", Duration.ZERO, Duration.ofDays(1)));
    assertEquals("dashboard.producer.max.duration", e.key());
  }

  @Test
  void anUnknownKeyIsAnError() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> PulseConfig.defaults().with(Map.of("aggregator.lateness", "30s")));
    assertEquals("aggregator.lateness", e.key());
  }

  @Test
  void sinksNeedIngestOnTheSameNode() {
    assertEquals("roles", assertThrows(ConfigException.class,
        () -> NodeOptions.from(PulseConfig.defaults().with(Map.of("roles", "aggregator")))).key());
    assertEquals("roles", assertThrows(ConfigException.class,
        () -> NodeOptions.from(PulseConfig.defaults().with(Map.of("roles", "ingest,cook")))).key());
    NodeOptions node = NodeOptions.from(PulseConfig.defaults().with(Map.of("roles", "ingest, aggregator")));
    assertEquals(Set.of(Role.INGEST, Role.AGGREGATOR), node.roles());
    assertEquals(List.of(Sink.AGGREGATOR), node.sinks());
  }

  @Test
  void postgresComesFromAUrlFromSeedStyleVariablesOrIsEmbedded() {
    PgOptions url = PgOptions.from(PulseConfig.load(Optional.empty(),
        Map.of("PG_URL", "jdbc:postgresql://db.local:6543/analytics?user=spark&password=s%40cret"), Map.of()));
    assertEquals("db.local", url.host());
    assertEquals(6543, url.port());
    assertEquals("analytics", url.database());
    assertEquals("spark", url.user());
    assertEquals("s@cret", url.password());
    assertFalse(url.embedded());

    PgOptions seed = PgOptions.from(PulseConfig.load(Optional.empty(),
        Map.of("DB_HOST", "pg", "DB_USER", "u", "DB_PASSWORD", "p", "DB_NAME", "d"), Map.of()));
    assertEquals("pg", seed.host());
    assertEquals(5432, seed.port());
    assertEquals("d", seed.database());
    assertFalse(seed.embedded());

    assertTrue(PgOptions.from(PulseConfig.defaults()).embedded());
    assertEquals("pg.url", assertThrows(ConfigException.class, () -> PgOptions.from(PulseConfig.defaults()
        .with(Map.of("pg.url", "mysql://x/y")))).key());
  }
}
