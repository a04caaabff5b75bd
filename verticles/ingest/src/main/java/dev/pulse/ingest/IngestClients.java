package dev.pulse.ingest;

import dev.pulse.common.model.DeadLetter;
import java.util.HashMap;
import java.util.Map;

/** The settings of ingest's Kafka clients, and why each one matters. */
final class IngestClients {

  private IngestClients() {
  }

  /**
   * The group member that reads the input: offsets are committed by ingest only once every sink has made them
   * durable, never automatically, and only committed records are read (a transactional producer's aborted
   * writes never become events). Settings given under {@code ingest.consumer.} come on top.
   */
  static Map<String, Object> consumer(IngestOptions options, String bootstrapServers, String clientId) {
    // the user's tuning first: what follows is what Pulse relies on (IngestOptions refuses those names anyway)
    Map<String, Object> c = new HashMap<>(options.consumerSettings());
    c.put("bootstrap.servers", bootstrapServers);
    c.put("group.id", options.groupId());
    c.put("client.id", clientId);
    c.put("enable.auto.commit", "false");
    c.put("auto.offset.reset", "earliest");
    c.put("isolation.level", "read_committed");
    c.put("max.poll.records", String.valueOf(options.maxPollRecords()));
    c.put("group.protocol", options.groupProtocol());
    if (IngestOptions.PROTOCOL_CLASSIC.equals(options.groupProtocol())) {
      // incremental rebalancing on the classic protocol too: partitions that stay put keep running
      c.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    }
    return c;
  }

  /** The producer of dead letters on a node without an enricher (with one, they go in its transactions). */
  static Map<String, String> deadLetterProducer(String bootstrapServers, String clientId) {
    Map<String, String> c = new HashMap<>();
    c.put("bootstrap.servers", bootstrapServers);
    c.put("client.id", clientId + "-dlq");
    c.put("acks", "all");
    c.put("enable.idempotence", "true");
    c.put("linger.ms", "5");
    // A dead-lettered record may be as large as anything the broker accepted, plus Pulse's headers.
    c.put("max.request.size", String.valueOf(DeadLetter.MAX_RECORD_BYTES));
    return c;
  }
}
