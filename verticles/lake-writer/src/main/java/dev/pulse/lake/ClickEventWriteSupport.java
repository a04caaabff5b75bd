package dev.pulse.lake;

import dev.pulse.common.model.ClickEvent;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes {@link ClickEvent}s as Parquet rows. The event date is not a column: it is the Hive partition
 * folder ({@code event_date=YYYY-MM-DD}) that readers add back. Key-value metadata in the footer records the
 * partition's event-time state when the file was committed, so a restart can resume it.
 */
final class ClickEventWriteSupport extends WriteSupport<ClickEvent> {

  static final String EVENT_ID = "event_id";
  static final String USER_ID = "user_id";
  static final String PAGE_URL = "page_url";
  static final String EVENT_TIME = "event_time";
  static final String KAFKA_OFFSET = "kafka_offset";
  static final String INGEST_TIME = "ingest_time";
  static final String META_WATERMARK = "pulse.watermark";
  static final String META_MAX_EVENT_TIME = "pulse.max_event_time";

  static final MessageType SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(EVENT_ID)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(USER_ID)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(PAGE_URL)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("event_type")
      .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(true, TimeUnit.MILLIS))
      .named(EVENT_TIME)
      .required(PrimitiveTypeName.BOOLEAN).named("is_late")
      .required(PrimitiveTypeName.INT32).named("kafka_partition")
      .required(PrimitiveTypeName.INT64).named(KAFKA_OFFSET)
      .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(true, TimeUnit.MILLIS))
      .named(INGEST_TIME)
      .named("click_event");

  private final int partition;
  private RecordConsumer out;
  private byte[] scratch = new byte[256];
  private long watermark;
  private long maxEventTime;

  ClickEventWriteSupport(int partition) {
    this.partition = partition;
  }

  /** The event-time state to record in the footer when the file is closed. */
  void eventTimeState(long watermark, long maxEventTime) {
    this.watermark = watermark;
    this.maxEventTime = maxEventTime;
  }

  @Override
  public WriteContext init(Configuration configuration) {
    return new WriteContext(SCHEMA, Map.of());
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  @Override
  public void write(ClickEvent e) {
    out.startMessage();
    string(0, "event_id", e.eventId());
    string(1, "user_id", e.userId());
    string(2, PAGE_URL, e.pageUrl());
    string(3, "event_type", e.eventType());
    int64(4, "event_time", e.eventTimeMillis());
    out.startField("is_late", 5);
    out.addBoolean(e.late());
    out.endField("is_late", 5);
    out.startField("kafka_partition", 6);
    out.addInteger(partition);
    out.endField("kafka_partition", 6);
    int64(7, "kafka_offset", e.offset());
    int64(8, "ingest_time", e.ingestTimeMillis());
    out.endMessage();
  }

  @Override
  public FinalizedWriteContext finalizeWrite() {
    Map<String, String> meta = new HashMap<>();
    meta.put(META_WATERMARK, Long.toString(watermark));
    meta.put(META_MAX_EVENT_TIME, Long.toString(maxEventTime));
    return new FinalizedWriteContext(meta);
  }

  private void string(int index, String name, String value) {
    out.startField(name, index);
    out.addBinary(utf8(value));
    out.endField(name, index);
  }

  /**
   * The string's UTF-8 bytes, for ASCII text (every field of the common event) in a buffer reused from one value
   * to the next: Parquet copies what it keeps (dictionary entries, min and max) and writes the rest out at once.
   * {@code Binary.fromString} made a byte array, a {@code ByteBuffer} and a {@code Binary} for each value, 17 % of
   * the all-sinks node's allocation.
   */
  private Binary utf8(String value) {
    int n = value.length();
    if (n > scratch.length) {
      scratch = new byte[Math.max(n, 2 * scratch.length)];
    }
    byte[] b = scratch;
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c >= 0x80) {
        return Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8));
      }
      b[i] = (byte) c;
    }
    return Binary.fromReusedByteArray(b, 0, n);
  }

  private void int64(int index, String name, long value) {
    out.startField(name, index);
    out.addLong(value);
    out.endField(name, index);
  }
}
