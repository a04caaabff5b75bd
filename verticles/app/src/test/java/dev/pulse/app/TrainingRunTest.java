package dev.pulse.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.config.KafkaOptions;
import dev.pulse.common.config.PgOptions;
import dev.pulse.common.config.PulseConfig;
import dev.pulse.lake.LakeOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrainingRunTest {

  @Test
  void aTrainingRunWritesNowhereTheNodeIsConfiguredToWrite() {
    // Given a node configured for a real Kafka, PostgreSQL, lake and cluster
    PulseConfig configured = PulseConfig.load(Optional.empty(),
        Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "PG_URL", "postgresql://pulse:secret@db:5432/pulse"),
        Map.of("lake.dir", "/data/lake", "cluster.members", "10.0.0.7,10.0.0.8", "cluster.host", "10.0.0.6",
            "cluster.name", "production", "pg.schema", "analytics"));
    Path dir = Path.of("/tmp/pulse-training-test");

    // When a training run isolates it
    PulseConfig training = TrainingRun.isolated(configured, dir);

    // Then Kafka and PostgreSQL are embedded ones in the training folder, and so is the lake
    KafkaOptions kafka = KafkaOptions.from(training);
    assertTrue(kafka.embedded(), "an embedded broker, not " + kafka.bootstrap());
    assertTrue(kafka.embeddedDir().startsWith(dir), kafka.embeddedDir().toString());
    PgOptions pg = PgOptions.from(training);
    assertTrue(pg.embedded(), "an embedded PostgreSQL, not " + pg.displayUrl());
    assertTrue(pg.embeddedDir().startsWith(dir), pg.embeddedDir().toString());
    assertTrue(LakeOptions.from(training).dir().startsWith(dir), LakeOptions.from(training).dir().toString());
    // and the node joins no one: a cluster of its own name, on loopback, with no members to look for
    assertEquals(Optional.empty(), training.optional("cluster.members"));
    assertNotEquals("production", training.required("cluster.name"));
    assertEquals("127.0.0.1", training.required("cluster.host"));
    assertEquals("127.0.0.1", training.required("dashboard.host"));
  }
}
