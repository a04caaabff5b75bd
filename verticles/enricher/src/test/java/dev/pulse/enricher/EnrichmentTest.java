package dev.pulse.enricher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pulse.common.model.ClickEvent;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EnrichmentTest {

  @Test
  void theOriginalFieldsAreKeptAndProcessingTimeEventDateAndLatenessAdded() {
    JsonObject original = new JsonObject().put("user_id", "u-42").put("page_url", "/products/7")
        .put("event_type", "page_view").put("timestamp", "2026-11-27T23:59:59.999Z").put("referrer", "ad");
    long eventTime = Instant.parse("2026-11-27T23:59:59.999Z").toEpochMilli();
    ClickEvent e = new ClickEvent(7, "user_activity-0-7", "u-42", "/products/7", "page_view", eventTime, eventTime,
        true, original);

    JsonObject out = Enrichment.enrich(e, Instant.parse("2026-11-28T00:00:01.500Z").toEpochMilli());

    assertEquals(new JsonObject()
        .put("user_id", "u-42").put("page_url", "/products/7").put("event_type", "page_view")
        .put("timestamp", "2026-11-27T23:59:59.999Z").put("referrer", "ad")
        .put("event_id", "user_activity-0-7")
        .put("processing_time", "2026-11-28T00:00:01.500Z")
        .put("event_date", "2026-11-27")
        .put("is_late", true), out);
    assertEquals(5, original.size(), "the event itself is not changed");
  }
}
