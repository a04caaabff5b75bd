package dev.pulse.common.model;

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
 * @param fields           every field of the original JSON object, for pass-through; not to be mutated
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
    JsonObject fields) {

  public static final String PAGE_VIEW = "page_view";

  public ClickEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(pageUrl, "pageUrl");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(fields, "fields");
  }

  /** The same event with the watermark's verdict. */
  public ClickEvent withLate(boolean isLate) {
    return isLate == late ? this : new ClickEvent(offset, eventId, userId, pageUrl, eventType, eventTimeMillis,
        ingestTimeMillis, isLate, fields);
  }

  public boolean isPageView() {
    return PAGE_VIEW.equals(eventType);
  }
}
