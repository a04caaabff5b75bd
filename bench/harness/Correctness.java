package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/** Outputs compared with the input: page views counted of those sent, HLL error, events in the enriched stream. */
final class Correctness {

  private Correctness() {
  }

  static JsonObject of(InputFacts facts, long pageViewsCounted, Map<Long, Long> activeUsers, Long enriched) {
    JsonObject j = new JsonObject()
        .put("page_views_expected", facts.pageViews())
        .put("page_views_counted", pageViewsCounted)
        .put("page_views_counted_share", Timeline.round2(100.0 * pageViewsCounted / facts.pageViews()) / 100.0)
        .put("active_user_windows_expected", facts.distinctUsersByWindow().size())
        .put("active_user_windows_written", activeUsers.size())
        .put("active_users_worst_relative_error", Math.round(facts.worstRelativeError(activeUsers) * 10_000) / 10_000.0);
    if (enriched != null) {
      j.put("enriched_expected", facts.valid()).put("enriched_written", enriched);
    }
    boolean ok = pageViewsCounted == facts.pageViews() && facts.worstRelativeError(activeUsers) <= 0.02
        && (enriched == null || enriched == facts.valid());
    return j.put("correct", ok);
  }
}
