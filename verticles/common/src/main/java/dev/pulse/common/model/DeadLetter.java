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

  /** The largest dead letter Pulse writes: its producers' max.request.size and the DLQ topic's max.message.bytes. */
  public static final int MAX_RECORD_BYTES = 2 * 1024 * 1024;
  /** Room for Pulse's headers (and the batch around the record) on top of the largest input record. */
  public static final int HEADER_ROOM = 64 * 1024;

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
