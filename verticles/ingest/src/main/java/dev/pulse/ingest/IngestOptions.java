package dev.pulse.ingest;

import dev.pulse.common.config.KafkaClientSettings;
import dev.pulse.common.config.PulseConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Ingest's settings, checked once at start; {@code consumerSettings} are the consumer's own settings given under
 * {@code ingest.consumer.} (tuning only: the ones Pulse relies on are refused).
 */
public record IngestOptions(
    String groupId,
    String groupProtocol,
    int maxPollRecords,
    int maxInflightBatches,
    int maxEventBytes,
    Duration maxFutureSkew,
    Instant minEventTime,
    Duration progressInterval,
    Duration stallTimeout,
    Duration maxRetryBackoff,
    boolean resetOnInputReset,
    Duration handoverTimeout,
    Duration sinkTimeout,
    Map<String, String> consumerSettings) {

  public static final String PROTOCOL_CONSUMER = "consumer";
  public static final String PROTOCOL_CLASSIC = "classic";
  /** Use the consumer protocol when the broker offers it, else classic. */
  public static final String PROTOCOL_AUTO = "auto";
  /** What to do when a sink's checkpoint lies beyond the end of the input log: refuse the partition ... */
  public static final String ON_INPUT_RESET_REFUSE = "refuse";
  /** ... or start its sinks again from the log's start, keeping their results and event-time state. */
  public static final String ON_INPUT_RESET_RESET = "reset";

  public static IngestOptions from(PulseConfig config, String namespace) {
    String group = config.required("ingest.group.id");
    return new IngestOptions(
        namespace.isEmpty() ? group : group + "." + namespace,
        config.oneOf("ingest.group.protocol", Set.of(PROTOCOL_AUTO, PROTOCOL_CONSUMER, PROTOCOL_CLASSIC)),
        config.intIn("ingest.max.poll.records", 1, 100_000),
        config.intIn("ingest.max.inflight.batches", 1, 1_000),
        (int) config.bytes("ingest.max.event.bytes", 64, 64L * 1024 * 1024),
        config.duration("ingest.max.future.skew", Duration.ZERO, Duration.ofDays(3650)),
        config.instant("ingest.min.event.time"),
        config.duration("ingest.progress.interval", Duration.ofMillis(50), Duration.ofMinutes(10)),
        config.duration("ingest.stall.timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
        config.duration("ingest.retry.backoff.max", Duration.ofMillis(100), Duration.ofMinutes(10)),
        ON_INPUT_RESET_RESET.equals(config.oneOf("ingest.on.input.reset",
            Set.of(ON_INPUT_RESET_REFUSE, ON_INPUT_RESET_RESET))),
        config.duration("ingest.handover.timeout", Duration.ZERO, Duration.ofMinutes(4)),
        config.duration("ingest.sink.timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
        KafkaClientSettings.consumer(config));
  }

  /** These options with {@code auto} replaced by what the broker supports. */
  public IngestOptions withGroupProtocol(String protocol) {
    return new IngestOptions(groupId, protocol, maxPollRecords, maxInflightBatches, maxEventBytes, maxFutureSkew,
        minEventTime, progressInterval, stallTimeout, maxRetryBackoff, resetOnInputReset, handoverTimeout,
        sinkTimeout, consumerSettings);
  }
}
