package dev.pulse.dashboard;

import dev.pulse.common.config.PulseConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The dashboard's settings, checked once at start. */
public record DashboardOptions(
    String host,
    int port,
    Optional<String> apiToken,
    List<String> allowedOrigins,
    int maxProducerRate,
    int maxProducerRuns,
    Duration maxProducerDuration,
    long maxProducerCount,
    int browserBufferMessages,
    int bodyLimitBytes,
    int socketSendBufferBytes) {

  public static DashboardOptions from(PulseConfig config) {
    Optional<String> token = config.optional("dashboard.api.token");
    if (token.isPresent() && token.get().length() < 16) {
      throw config.fail("dashboard.api.token", "must be at least 16 characters when set");
    }
    List<String> origins = config.list("dashboard.allowed.origins");
    for (String origin : origins) {
      try {
        WebOrigin.parse(origin);
      } catch (IllegalArgumentException e) {
        throw config.fail("dashboard.allowed.origins", e.getMessage());
      }
    }
    return new DashboardOptions(
        config.required("dashboard.host"),
        config.intIn("dashboard.port", 0, 65535),
        token,
        origins,
        config.intIn("dashboard.producer.max.rate", 1, 10_000_000),
        config.intIn("dashboard.producer.max.runs", 1, 64),
        config.duration("dashboard.producer.max.duration", Duration.ofSeconds(1), Duration.ofDays(1)),
        config.longIn("dashboard.producer.max.count", 1, Long.MAX_VALUE),
        config.intIn("dashboard.browser.buffer", 1, 100_000),
        (int) config.bytes("dashboard.body.limit", 256, 16 * 1024 * 1024),
        (int) config.bytes("dashboard.socket.send.buffer", 4 * 1024, 64 * 1024 * 1024));
  }
}
