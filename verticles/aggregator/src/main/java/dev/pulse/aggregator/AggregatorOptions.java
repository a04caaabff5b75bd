package dev.pulse.aggregator;

import dev.pulse.common.config.PulseConfig;
import java.time.Duration;

/** The aggregator's settings, checked once at start. */
public record AggregatorOptions(Duration flushInterval, int hllLgK) {

  public static AggregatorOptions from(PulseConfig config) {
    return new AggregatorOptions(
        config.duration("aggregator.flush.interval", Duration.ofMillis(10), Duration.ofMinutes(1)),
        config.intIn("aggregator.hll.lgk", 4, 21));
  }
}
