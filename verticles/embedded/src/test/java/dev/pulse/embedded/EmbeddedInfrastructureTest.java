package dev.pulse.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedInfrastructureTest {

  @Test
  void brokerKeepsRecordsAcrossARestartOnTheSameLogDir(@TempDir Path dir) throws Exception {
    int port = FreePorts.pair();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start("127.0.0.1", port, dir, Map.of())) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
      }
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
          new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("t", 1, "k", "hello")).get(30, TimeUnit.SECONDS);
      }
    }
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start("127.0.0.1", port, dir, Map.of());
         KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
             ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
             ConsumerConfig.GROUP_ID_CONFIG, "g",
             ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
             new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(Set.of("t"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      String value = null;
      while (value == null && System.nanoTime() < deadline) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        if (!records.isEmpty()) {
          value = records.iterator().next().value();
        }
      }
      assertEquals("hello", value);
    }
  }

  @Test
  void postgresAnswersSql(@TempDir Path dir) throws Exception {
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(0, dir, true);
         Connection c = DriverManager.getConnection(
             "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + pg.database(), pg.user(), "");
         ResultSet rs = c.createStatement().executeQuery("SELECT 6 * 7")) {
      rs.next();
      assertEquals(42, rs.getInt(1));
    }
  }
}
