package dev.pulse.app;

import dev.pulse.common.config.PulseConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The configuration options every command shares. */
public final class ConfigOptions {

  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file overriding conf/pulse.properties (also: PULSE_CONFIG).")
  Path file;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one config key; repeatable.")
  Map<String, String> overrides = new LinkedHashMap<>();

  public PulseConfig load(Map<String, String> extra) {
    Optional<Path> f = Optional.ofNullable(file)
        .or(() -> Optional.ofNullable(System.getenv("PULSE_CONFIG")).filter(s -> !s.isBlank()).map(Path::of));
    Map<String, String> all = new LinkedHashMap<>(extra);
    all.putAll(overrides);
    return PulseConfig.load(f, System.getenv(), all);
  }
}
