package dev.pulse.common.model;

import java.util.List;
import java.util.Objects;

/**
 * An invalid input record on its way to the dead-letter topic: key and value exactly as read, the original
 * headers, and Pulse's headers saying why and where it came from.
 */
public record DeadLetter(long offset, byte[] key, byte[] value, List<Header> headers) {

  public static final String HEADER_REASON = "pulse.dlq.reason";
  public static final String HEADER_REASON_CODE = "pulse.dlq.reason.code";
  public static final String HEADER_SOURCE_TOPIC = "pulse.dlq.source.topic";
  public static final String HEADER_SOURCE_PARTITION = "pulse.dlq.source.partition";
  public static final String HEADER_SOURCE_OFFSET = "pulse.dlq.source.offset";
  public static final String HEADER_SOURCE_TIMESTAMP = "pulse.dlq.source.timestamp";

  /** A Kafka record header, independent of any client library. */
  public record Header(String key, byte[] value) {
    public Header {
      Objects.requireNonNull(key);
    }
  }

  public DeadLetter {
    headers = List.copyOf(headers);
  }
}
