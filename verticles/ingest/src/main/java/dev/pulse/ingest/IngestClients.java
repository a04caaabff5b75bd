package dev.pulse.ingest;

import dev.pulse.common.model.DeadLetter;
import java.util.HashMap;
import java.util.Map;

/** The settings of ingest's Kafka clients, and why each one matters. */
final class IngestClients {

  /**
   * The most a fetch response holds (the client's default is 50 MB; a response of 6 partitions was about 5 MB
   * here). The client reads each response into one array, and G1 allocates an array of half a region or more
   * (512 KB at the smallest region size, 1 MB) as humongous, straight into the old generation, where most of an
   * all-sinks node's concurrent cycles then started. Below that: GC CPU per event 0.64x cold and 0.50x warm,
   * total pause time 0.6-0.7x, in 3 pairs of bench runs (bench/results/2026-12-07T1054-n2000000-paired.json).
   * A batch larger than this is still returned whole, alone: nothing stalls.
   */
  static final int FETCH_MAX_BYTES = 448 * 1024;

  private IngestClients() {
  }

  /**
   * The group member that reads the input: offsets are committed by ingest only once every sink has made them
   * durable, never automatically, and only committed records are read (a transactional producer's aborted
   * writes never become events).
   */
  static Map<String, Object> consumer(IngestOptions options, String bootstrapServers, String clientId) {
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", bootstrapServers);
    c.put("group.id", options.groupId());
    c.put("client.id", clientId);
    c.put("enable.auto.commit", "false");
    c.put("auto.offset.reset", "earliest");
    c.put("isolation.level", "read_committed");
    c.put("max.poll.records", String.valueOf(options.maxPollRecords()));
    c.put("fetch.max.bytes", String.valueOf(FETCH_MAX_BYTES));
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
