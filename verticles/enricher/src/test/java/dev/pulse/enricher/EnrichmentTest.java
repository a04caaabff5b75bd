package dev.pulse.enricher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.pulse.common.model.ClickEvent;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EnrichmentTest {

  private static final long EVENT_TIME = Instant.parse("2026-11-27T23:59:59.999Z").toEpochMilli();
  private static final long PROCESSED = Instant.parse("2026-11-28T00:00:01.500Z").toEpochMilli();
  private static final JsonFactory STRICT = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static ClickEvent event(String json, String eventId, boolean hasId, boolean hasEnriched, boolean late) {
    return new ClickEvent(7, eventId, "u-42", "/products/7", "page_view", EVENT_TIME, EVENT_TIME, late,
        json.getBytes(StandardCharsets.UTF_8), hasId, hasEnriched);
  }

  private static String enriched(ClickEvent e) {
    return new String(Enrichment.value(e, PROCESSED), StandardCharsets.UTF_8);
  }

  @Test
  void theOriginalBytesPassThroughAndTheAdditionsAreAppended() {
    String in = "{\"user_id\":\"u-42\", \"page_url\":\"/products/7\",\"event_type\":\"page_view\","
        + "\"timestamp\":\"2026-11-27T23:59:59.999Z\",\"ctx\":{\"tags\":[1,2.50,\"caf\\u00e9\"]}} \n";
    String out = enriched(event(in, "user_activity-0-7", false, false, true));
    assertEquals("{\"user_id\":\"u-42\", \"page_url\":\"/products/7\",\"event_type\":\"page_view\","
        + "\"timestamp\":\"2026-11-27T23:59:59.999Z\",\"ctx\":{\"tags\":[1,2.50,\"caf\\u00e9\"]}"
        + ",\"event_id\":\"user_activity-0-7\",\"processing_time\":\"2026-11-28T00:00:01.500Z\""
        + ",\"event_date\":\"2026-11-27\",\"is_late\":true}", out);
  }

  @Test
  void anEventIdOfItsOwnIsNotWrittenTwice() throws Exception {
    String in = "{\"event_id\":\"e-1\",\"user_id\":\"u-42\",\"page_url\":\"/products/7\",\"event_type\":\"page_view\","
        + "\"timestamp\":1764287999999}";
    String out = enriched(event(in, "e-1", true, false, false));
    assertNoDuplicateKeys(out);
    assertEquals(new JsonObject().put("event_id", "e-1").put("user_id", "u-42").put("page_url", "/products/7")
        .put("event_type", "page_view").put("timestamp", 1764287999999L)
        .put("processing_time", "2026-11-28T00:00:01.500Z").put("event_date", "2026-11-27").put("is_late", false),
        new JsonObject(out));
  }

  @Test
  void aRecordCarryingAnAddedFieldIsRewrittenWithPulsesValues() throws Exception {
    String in = "{\"user_id\":\"u-42\",\"page_url\":\"/products/7\",\"event_type\":\"page_view\","
        + "\"timestamp\":\"2026-11-27T23:59:59.999Z\",\"is_late\":\"maybe\",\"processing_time\":0,\"event_id\":null}";
    String out = enriched(event(in, "user_activity-0-7", false, true, true));
    assertNoDuplicateKeys(out);
    assertEquals(new JsonObject().put("user_id", "u-42").put("page_url", "/products/7").put("event_type", "page_view")
        .put("timestamp", "2026-11-27T23:59:59.999Z").put("is_late", true)
        .put("processing_time", "2026-11-28T00:00:01.500Z").put("event_id", "user_activity-0-7")
        .put("event_date", "2026-11-27"), new JsonObject(out));
  }

  private static void assertNoDuplicateKeys(String json) throws Exception {
    try (JsonParser p = STRICT.createParser(json)) {
      while (p.nextToken() != null) {
        // a duplicate key throws
      }
    }
  }
}
