package dev.pulse.common.config;

import java.time.Duration;

/** Event-time settings: how late an event may be, and when a silent partition counts as idle. */
public record WatermarkOptions(Duration allowedLateness, Duration idleTimeout) {

  public static WatermarkOptions from(PulseConfig config) {
    return new WatermarkOptions(
        config.duration("watermark.allowed.lateness", Duration.ZERO, Duration.ofDays(7)),
        config.duration("watermark.idle.timeout", Duration.ofMillis(100), Duration.ofDays(1)));
  }
}
