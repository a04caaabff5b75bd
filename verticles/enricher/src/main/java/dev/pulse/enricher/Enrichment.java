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
    return new Stamp(Instant.ofEpochMilli(processingTimeMillis).toString());
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

  /** One processing instant's additions, spliced into each event's bytes. */
  public static final class Stamp {

    private static final byte[] LATE = ",\"is_late\":true}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ON_TIME = ",\"is_late\":false}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATE_END = "\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];

    private final String iso;
    /** {@code ,"processing_time":"<iso>","event_date":"}: the same for every event of the stamp. */
    private final byte[] timeBytes;

    private Stamp(String iso) {
      this.iso = iso;
      this.timeBytes = (",\"processing_time\":\"" + iso + "\",\"event_date\":\"")
          .getBytes(StandardCharsets.US_ASCII);
    }

    public byte[] value(ClickEvent e) {
      if (e.valueHasEnrichedFields()) {
        return rewritten(e);
      }
      byte[] in = e.value();
      int close = closingBrace(in);
      byte[] id = e.valueHasEventId() ? EMPTY
          : (",\"event_id\":" + Json.encode(e.eventId())).getBytes(StandardCharsets.UTF_8);
      byte[] date = EventDates.asciiOf(e.eventTimeMillis());
      byte[] late = e.late() ? LATE : ON_TIME;
      byte[] out = new byte[close + id.length + timeBytes.length + date.length + DATE_END.length + late.length];
      System.arraycopy(in, 0, out, 0, close);
      int at = close;
      at = put(out, at, id);
      at = put(out, at, timeBytes);
      at = put(out, at, date);
      at = put(out, at, DATE_END);
      put(out, at, late);
      return out;
    }

    private static int put(byte[] out, int at, byte[] part) {
      System.arraycopy(part, 0, out, at, part.length);
      return at + part.length;
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
