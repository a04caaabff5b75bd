package dev.pulse.enricher;

import dev.pulse.common.model.ClickEvent;
import dev.pulse.common.time.EventDates;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * What the enriched stream adds to an event: its {@code event_id} (derived when it had none),
 * {@code processing_time} (ISO-8601 UTC), {@code event_date} (UTC date of the event time) and {@code is_late}.
 * A plain function, so it is tested without Kafka.
 *
 * <p>The event's own fields pass through byte for byte: the additions are appended to the original JSON object,
 * with no decoding and re-encoding of what came in. Only a record that already carries one of the added fields
 * is decoded and rewritten, so that no key appears twice.
 */
public final class Enrichment {

  private Enrichment() {
  }

  /** The enrichment of one processing instant: its timestamp text is made once for a whole transaction. */
  public static Stamp at(long processingTimeMillis) {
    return new Stamp(processingTimeMillis, Instant.ofEpochMilli(processingTimeMillis).toString());
  }

  public static byte[] key(ClickEvent e) {
    return e.userId().getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] value(ClickEvent e, long processingTimeMillis) {
    return at(processingTimeMillis).value(e);
  }

  /** The enriched event as a JSON object, decoded (tests, tools). */
  public static JsonObject enrich(ClickEvent e, long processingTimeMillis) {
    return new JsonObject(io.vertx.core.buffer.Buffer.buffer(value(e, processingTimeMillis)));
  }

  public record Stamp(long millis, String iso) {

    public byte[] value(ClickEvent e) {
      if (e.valueHasEnrichedFields()) {
        return rewritten(e);
      }
      byte[] in = e.value();
      int close = closingBrace(in);
      StringBuilder added = new StringBuilder(112);
      if (!e.valueHasEventId()) {
        added.append(",\"event_id\":").append(Json.encode(e.eventId()));
      }
      added.append(",\"processing_time\":\"").append(iso)
          .append("\",\"event_date\":\"").append(EventDates.of(e.eventTimeMillis()))
          .append("\",\"is_late\":").append(e.late()).append('}');
      byte[] tail = added.toString().getBytes(StandardCharsets.UTF_8);
      byte[] out = Arrays.copyOf(in, close + tail.length);
      System.arraycopy(tail, 0, out, close, tail.length);
      return out;
    }

    private byte[] rewritten(ClickEvent e) {
      JsonObject out = e.fields();
      out.put("event_id", e.eventId());
      out.put("processing_time", iso);
      out.put("event_date", EventDates.of(e.eventTimeMillis()));
      out.put("is_late", e.late());
      return out.toBuffer().getBytes();
    }
  }

  /** The index of the '}' that closes the top-level object: the last byte that is not white space. */
  private static int closingBrace(byte[] json) {
    int i = json.length - 1;
    while (i >= 0 && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) {
      i--;
    }
    if (i < 0 || json[i] != '}') {
      throw new IllegalArgumentException("not a JSON object: it does not end with '}'");
    }
    return i;
  }
}
