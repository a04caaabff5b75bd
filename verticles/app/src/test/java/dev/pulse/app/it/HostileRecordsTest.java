package dev.pulse.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pulse.app.it.HostileRecords.Hostile;
import dev.pulse.app.it.HostileRecords.Limits;
import dev.pulse.ingest.EventParser;
import dev.pulse.ingest.EventParser.Invalid;
import dev.pulse.ingest.EventParser.Result;
import dev.pulse.ingest.EventParser.Valid;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Pulse's parser against the hostile generator's labels, record by record, without a broker: the fast half of
 * {@link HostileInputIT}. A disagreement is either a defect of Pulse or a mislabelled record; both need a look.
 */
class HostileRecordsTest {

  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final String ID_PREFIX = "user_activity-0-";

  @Test
  void theParserAgreesWithEveryLabel() {
    Limits limits = Limits.defaults();
    HostileRecords hostile = new HostileRecords(7, CLOCK, limits);
    EventParser parser = new EventParser(limits.maxEventBytes(), limits.maxFutureSkew(), limits.minEventTime());
    Map<String, List<String>> disagreements = new TreeMap<>();
    Map<String, Integer> seen = new TreeMap<>();
    for (int seq = 0; seq < 30_000; seq++) {
      Hostile h = seq % 1_000 == 999 ? hostile.huge(seq, 1024 * 1024) : hostile.next(seq);
      seen.merge(h.kind(), 1, Integer::sum);
      Result r = parser.parse(h.value(), seq, ID_PREFIX, NOW.toEpochMilli());
      String problem = disagreement(h, r, seq);
      if (problem != null) {
        disagreements.computeIfAbsent(h.kind(), k -> new ArrayList<>()).add(problem);
      }
    }
    StringBuilder report = new StringBuilder();
    disagreements.forEach((kind, list) -> report.append(kind).append(": ").append(list.size()).append(" records, e.g. ")
        .append(list.get(0)).append('\n'));
    assertEquals("", report.toString());
    assertEquals(hostile.kindNames(), seen.keySet(), "every kind drawn");
  }

  private static String disagreement(Hostile h, Result r, int offset) {
    if (h.valid()) {
      if (!(r instanceof Valid v)) {
        return "valid, but Pulse says " + r + " for " + show(h);
      }
      String id = h.eventId() == null ? ID_PREFIX + offset : h.eventId();
      if (!id.equals(v.event().eventId())) {
        return "event id " + id + ", but Pulse says " + v.event().eventId();
      }
      return (HostileRecords.PAGE_VIEW.equals(v.event().eventType())) == h.pageView() ? null
          : "page view " + h.pageView() + ", but Pulse reads event type " + v.event().eventType();
    }
    if (!(r instanceof Invalid i)) {
      return "invalid (" + h.reason() + "), but Pulse accepts " + show(h);
    }
    return h.reason() == null || h.reason().equals(i.code()) ? null
        : h.reason() + ", but Pulse says " + i.code() + " (" + i.detail() + ") for " + show(h);
  }

  private static String show(Hostile h) {
    if (h.value() == null) {
      return "null";
    }
    String s = new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    return s.length() > 300 ? s.substring(0, 300) + "... (" + h.value().length + " bytes)" : s;
  }
}
