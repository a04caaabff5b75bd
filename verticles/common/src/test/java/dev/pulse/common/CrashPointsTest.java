package dev.pulse.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.common.CrashPoints.Trigger;
import dev.pulse.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class CrashPointsTest {

  @Test
  void aPointAloneArmsItsFirstHitAndASuffixItsNthHit() {
    assertEquals(new Trigger("lake.between-renames", 1), Trigger.parse("lake.between-renames"));
    assertEquals(new Trigger("enricher.after-commit", 3), Trigger.parse("enricher.after-commit:3"));
  }

  @Test
  void noValueArmsNothing() {
    assertNull(Trigger.parse(null));
    assertNull(Trigger.parse(" "));
  }

  @Test
  void aMisspeltPointOrABadHitIsRefusedWithTheKnownPoints() {
    ConfigException unknown = assertThrows(ConfigException.class, () -> Trigger.parse("lake.between-rename:2"));
    assertEquals("pulse.crash.at", unknown.key());
    assertTrue(unknown.getMessage().contains("aggregator.before-commit"), unknown.getMessage());
    assertThrows(ConfigException.class, () -> Trigger.parse("aggregator.after-commit:0"));
    assertThrows(ConfigException.class, () -> Trigger.parse("aggregator.after-commit:two"));
    assertNull(Trigger.parseOrNull("nowhere"), "a wrong value never halts anything; pulse run reports it");
  }

  @Test
  void withoutThePropertyReachingAPointDoesNothing() {
    // The test JVM has no -Dpulse.crash.at: were anything armed, this JVM would halt here.
    assertEquals(java.util.Optional.empty(), CrashPoints.armed());
    CrashPoints.ALL.forEach(CrashPoints::reached);
  }
}
