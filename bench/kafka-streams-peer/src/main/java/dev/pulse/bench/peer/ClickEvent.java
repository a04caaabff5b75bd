package dev.pulse.bench.peer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The fields of an input event the peer needs, read with Jackson's streaming parser (no tree, no map), plus
 * the original bytes for the enriched copy. The same validity rules as Pulse's for the fields used here.
 */
public record ClickEvent(String userId, String pageUrl, String eventType, long eventTime, byte[] raw) {

  private static final JsonFactory JSON = new JsonFactory();

  public boolean pageView() {
    return "page_view".equals(eventType);
  }

  /** The event, or null when the bytes are not a valid event (Kafka Streams then drops the record). */
  public static ClickEvent parse(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    String userId = null;
    String pageUrl = null;
    String eventType = null;
    long eventTime = -1;
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "user_id" -> userId = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "page_url" -> pageUrl = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "event_type" -> eventType = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "timestamp" -> eventTime = value == JsonToken.VALUE_STRING ? Instant.parse(p.getText()).toEpochMilli()
              : value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          default -> p.skipChildren();
        }
      }
    } catch (IOException | DateTimeParseException | ArithmeticException e) {
      return null;
    }
    if (blank(userId) || blank(pageUrl) || blank(eventType) || eventTime < 0) {
      return null;
    }
    return new ClickEvent(userId, pageUrl, eventType, eventTime, bytes);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
