package dev.pulse.common.model;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * One valid input event, as ingest parsed and checked it.
 *
 * @param offset           the Kafka offset it was read from
 * @param eventId          the event's own id, or {@code topic-partition-offset} when it had none
 * @param eventTimeMillis  event time, epoch milliseconds UTC
 * @param ingestTimeMillis when ingest read it, epoch milliseconds UTC
 * @param late             older than its partition's watermark when it arrived: left out of the windows
 * @param value            the record's value as read: the original JSON object, every field of which passes
 *                         through to the enriched stream; not to be mutated
 * @param valueHasEventId  the value carries this event's {@code event_id} (else it was derived)
 * @param valueHasEnrichedFields the value carries a field the enricher sets ({@code processing_time},
 *                         {@code event_date}, {@code is_late}, or a null {@code event_id}): enriching it means
 *                         rewriting it rather than appending to it
 */
public record ClickEvent(
    long offset,
    String eventId,
    String userId,
    String pageUrl,
    String eventType,
    long eventTimeMillis,
    long ingestTimeMillis,
    boolean late,
    byte[] value,
    boolean valueHasEventId,
    boolean valueHasEnrichedFields) {

  public static final String PAGE_VIEW = "page_view";
  /**
   * The longest page_url, in UTF-8 bytes. PostgreSQL keys page_view_counts by page_url, and a btree index entry
   * holds at most 2704 bytes (with the partition and window start): a longer URL that does not compress would
   * fail every checkpoint of its partition.
   */
  public static final int MAX_PAGE_URL_BYTES = 2048;

  public ClickEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(pageUrl, "pageUrl");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(value, "value");
  }

  /** The same event with the watermark's verdict. */
  public ClickEvent withLate(boolean isLate) {
    return isLate == late ? this : new ClickEvent(offset, eventId, userId, pageUrl, eventType, eventTimeMillis,
        ingestTimeMillis, isLate, value, valueHasEventId, valueHasEnrichedFields);
  }

  /** Every field of the original JSON object, decoded (tests, and the enricher's rare rewriting path). */
  public JsonObject fields() {
    return new JsonObject(Buffer.buffer(value));
  }

  public boolean isPageView() {
    return PAGE_VIEW.equals(eventType);
  }
}
