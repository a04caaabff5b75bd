package dev.pulse.producer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.producer.EventGenerator.Generated;
import dev.pulse.producer.EventGenerator.Kind;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventGeneratorTest {

  private static final long NOW = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();

  @Test
  void theSameSeedGivesTheSameEvents() {
    GeneratorSpec spec = new GeneratorSpec(100, 20, 0.1, 0.1, 30_000, 42);
    EventGenerator a = new EventGenerator(spec);
    EventGenerator b = new EventGenerator(spec);
    for (int i = 0; i < 500; i++) {
      Generated x = a.next(NOW + i);
      Generated y = b.next(NOW + i);
      assertArrayEquals(x.key(), y.key());
      assertArrayEquals(x.value(), y.value());
    }
  }

  @Test
  void sharesOfLateAndInvalidEventsAreRespectedAndLateEventsAreOlderThanTheLateness() {
    GeneratorSpec spec = new GeneratorSpec(1000, 50, 0.2, 0.1, 30_000, 7);
    EventGenerator g = new EventGenerator(spec);
    Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    for (int i = 0; i < 10_000; i++) {
      Generated e = g.next(NOW);
      counts.merge(e.kind(), 1, Integer::sum);
      if (e.kind() != Kind.INVALID) {
        JsonObject json = new JsonObject(new String(e.value(), StandardCharsets.UTF_8));
        assertEquals(json.getString("user_id"), new String(e.key(), StandardCharsets.UTF_8), "keyed by user_id");
        long age = NOW - Instant.parse(json.getString("timestamp")).toEpochMilli();
        if (e.kind() == Kind.LATE) {
          assertTrue(age > 30_000, "late event only " + age + " ms old");
        } else {
          assertTrue(age >= 0 && age < 30_000, "on-time event " + age + " ms old");
        }
      }
    }
    assertTrue(Math.abs(counts.get(Kind.LATE) - 2000) < 200, counts.toString());
    assertTrue(Math.abs(counts.get(Kind.INVALID) - 1000) < 150, counts.toString());
  }
}
