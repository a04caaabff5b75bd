package dev.pulse.bench;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the preloaded input holds, counted independently of Pulse and of Kafka Streams: events, page views, and
 * the exact number of distinct users in every 5-minute window sliding by 1 minute (to judge the HLL estimates).
 */
record InputFacts(long events, long valid, long pageViews, Map<Long, Long> distinctUsersByWindow) {

  static final long MINUTE = 60_000;
  static final long ACTIVE_WINDOW = 5 * MINUTE;

  static InputFacts scan(String bootstrap, String topic) {
    long[] counts = new long[3]; // events, valid, page views
    TreeMap<Long, Set<String>> usersByMinute = new TreeMap<>();
    TopicReader.readAll(bootstrap, topic, r -> {
      counts[0]++;
      if (r.value() == null) {
        return;
      }
      JsonObject e;
      try {
        e = new JsonObject(new String(r.value(), StandardCharsets.UTF_8));
      } catch (RuntimeException notJson) {
        return;
      }
      Object ts = e.getValue("timestamp");
      String user = e.getValue("user_id") instanceof String s ? s : null;
      if (user == null || !(e.getValue("page_url") instanceof String) || !(e.getValue("event_type") instanceof String)
          || ts == null) {
        return;
      }
      long time = ts instanceof Number n ? n.longValue() : Instant.parse(ts.toString()).toEpochMilli();
      counts[1]++;
      if ("page_view".equals(e.getString("event_type"))) {
        counts[2]++;
      }
      usersByMinute.computeIfAbsent(Math.floorDiv(time, MINUTE) * MINUTE, k -> new HashSet<>()).add(user);
    });
    Map<Long, Long> distinct = new TreeMap<>();
    Set<Long> starts = new HashSet<>();
    for (long minute : usersByMinute.keySet()) {
      for (long s = minute - ACTIVE_WINDOW + MINUTE; s <= minute; s += MINUTE) {
        starts.add(s);
      }
    }
    for (long start : starts) {
      Set<String> users = new HashSet<>();
      usersByMinute.subMap(start, true, start + ACTIVE_WINDOW, false).values().forEach(users::addAll);
      distinct.put(start, (long) users.size());
    }
    return new InputFacts(counts[0], counts[1], counts[2], distinct);
  }

  JsonObject toJson() {
    JsonObject windows = new JsonObject();
    distinctUsersByWindow.forEach((k, v) -> windows.put(Instant.ofEpochMilli(k).toString(), v));
    return new JsonObject().put("events", events).put("valid", valid).put("page_views", pageViews)
        .put("distinct_users_by_5min_window", windows);
  }

  /** Largest relative error of estimates per window start against the exact counts (windows missing count as 100 %). */
  double worstRelativeError(Map<Long, Long> estimates) {
    double worst = 0;
    for (Map.Entry<Long, Long> e : distinctUsersByWindow.entrySet()) {
      Long estimate = estimates.get(e.getKey());
      double err = estimate == null ? 1.0 : Math.abs(estimate - e.getValue()) / (double) e.getValue();
      worst = Math.max(worst, err);
    }
    return worst;
  }
}
