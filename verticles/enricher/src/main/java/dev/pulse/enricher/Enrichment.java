package dev.pulse.enricher;

import dev.pulse.common.model.ClickEvent;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;

/** What the enriched stream adds to an event. A plain function, so it is tested without Kafka. */
public final class Enrichment {

  private Enrichment() {
  }

  /**
   * The event's own fields, its {@code event_id} (derived when it had none), plus {@code processing_time}
   * (ISO-8601 UTC), {@code event_date} (UTC date of the event time) and {@code is_late}.
   */
  public static JsonObject enrich(ClickEvent e, long processingTimeMillis) {
    JsonObject out = new JsonObject(new LinkedHashMap<>(e.fields().getMap()));
    out.put("event_id", e.eventId());
    out.put("processing_time", Instant.ofEpochMilli(processingTimeMillis).toString());
    out.put("event_date", LocalDate.ofInstant(Instant.ofEpochMilli(e.eventTimeMillis()), ZoneOffset.UTC).toString());
    out.put("is_late", e.late());
    return out;
  }

  public static byte[] key(ClickEvent e) {
    return e.userId().getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] value(ClickEvent e, long processingTimeMillis) {
    return enrich(e, processingTimeMillis).encode().getBytes(StandardCharsets.UTF_8);
  }
}
