package dev.pulse.common.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pulse's configuration: the defaults of {@code conf/pulse.properties}, overridden by an optional file,
 * then the environment, then explicit overrides. Keys are fixed by the defaults file, so a misspelled key
 * is an error rather than a silently ignored setting; the one exception is a key under a {@link #PASS_THROUGH}
 * prefix, a Kafka client's own setting, which the client's reader checks against the client's settings. Values
 * are checked when read, and every error names the key and where its value came from.
 */
public final class PulseConfig {

  public static final String DEFAULTS_RESOURCE = "/pulse.properties";

  /** Short environment names that users of the old demo and of docker-compose already know. */
  static final Map<String, String> ENV_ALIASES = Map.ofEntries(
      Map.entry("KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrap.servers"),
      Map.entry("PG_URL", "pg.url"),
      Map.entry("DB_HOST", "pg.host"),
      Map.entry("DB_PORT", "pg.port"),
      Map.entry("DB_NAME", "pg.database"),
      Map.entry("DB_USER", "pg.user"),
      Map.entry("DB_PASSWORD", "pg.password"),
      Map.entry("PULSE_PARTITIONS", "topics.partitions"),
      Map.entry("PULSE_ALLOWED_LATENESS", "watermark.allowed.lateness"),
      Map.entry("PULSE_API_TOKEN", "dashboard.api.token"));

  /**
   * Prefixes under which any key is taken and handed, without the prefix, to a Kafka client: ingest's consumer,
   * the enricher's producer ({@code ingest.consumer.fetch.max.bytes=8MB} style keys are Kafka's own names and
   * values). Environment names map back by lower case and dots for underscores (Kafka's names have none).
   */
  public static final List<String> PASS_THROUGH = List.of("ingest.consumer.", "enricher.producer.");

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

  private final Map<String, String> values;
  private final Map<String, String> origins;

  private PulseConfig(Map<String, String> values, Map<String, String> origins) {
    this.values = Collections.unmodifiableMap(values);
    this.origins = Collections.unmodifiableMap(origins);
  }

  /** The packaged defaults alone. */
  public static PulseConfig defaults() {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    try (InputStream in = PulseConfig.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the classpath");
      }
      Properties p = new Properties();
      p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
      for (String key : new TreeSet<>(p.stringPropertyNames())) {
        values.put(key, p.getProperty(key).trim());
        origins.put(key, "defaults");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
    }
    return new PulseConfig(values, origins);
  }

  /**
   * Defaults, then {@code file} (if given), then the environment, then {@code overrides}.
   *
   * @throws ConfigException for an unknown key or an unreadable file
   */
  public static PulseConfig load(Optional<Path> file, Map<String, String> env, Map<String, String> overrides) {
    PulseConfig config = defaults();
    if (file.isPresent()) {
      config = config.withFile(file.get());
    }
    return config.withEnvironment(env).with(overrides, "--set");
  }

  /** This configuration with the keys of a properties file replaced. */
  public PulseConfig withFile(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new ConfigException("--config", "cannot read config file " + file + ": " + e.getMessage());
    }
    Map<String, String> m = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return with(m, "file " + file);
  }

  /** This configuration with the environment variables that name a key (PULSE_* or an alias) applied. */
  public PulseConfig withEnvironment(Map<String, String> env) {
    Map<String, String> byEnvName = new LinkedHashMap<>();
    for (String key : values.keySet()) {
      byEnvName.put(envName(key), key);
    }
    byEnvName.putAll(ENV_ALIASES);
    Map<String, String> newValues = new LinkedHashMap<>(values);
    Map<String, String> newOrigins = new LinkedHashMap<>(origins);
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(env).entrySet()) {
      String key = byEnvName.get(e.getKey());
      if (key == null) {
        key = passThroughKey(e.getKey());
      }
      if (key != null) {
        newValues.put(key, e.getValue().trim());
        newOrigins.put(key, "environment variable " + e.getKey());
      }
    }
    return new PulseConfig(newValues, newOrigins);
  }

  /** This configuration with some keys replaced; an unknown key is an error. */
  public PulseConfig with(Map<String, String> overrides) {
    return with(overrides, "override");
  }

  private PulseConfig with(Map<String, String> overrides, String origin) {
    Map<String, String> newValues = new LinkedHashMap<>(values);
    Map<String, String> newOrigins = new LinkedHashMap<>(origins);
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      if (!values.containsKey(e.getKey()) && !isPassThrough(e.getKey())) {
        throw new ConfigException(e.getKey(), "unknown config key '" + e.getKey() + "' (from " + origin
            + "); known keys are listed in conf/pulse.properties");
      }
      newValues.put(e.getKey(), e.getValue() == null ? "" : e.getValue().trim());
      newOrigins.put(e.getKey(), origin);
    }
    return new PulseConfig(newValues, newOrigins);
  }

  /** The keys under {@code prefix} (one of {@link #PASS_THROUGH}), without it, in key order. */
  public Map<String, String> under(String prefix) {
    Map<String, String> m = new java.util.TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        m.put(k.substring(prefix.length()), v);
      }
    });
    return m;
  }

  static boolean isPassThrough(String key) {
    return PASS_THROUGH.stream().anyMatch(p -> key.startsWith(p) && key.length() > p.length());
  }

  /** The pass-through key an environment variable names, or null. */
  private static String passThroughKey(String envName) {
    for (String prefix : PASS_THROUGH) {
      String envPrefix = envName(prefix.substring(0, prefix.length() - 1)) + "_";
      if (envName.startsWith(envPrefix) && envName.length() > envPrefix.length()) {
        return prefix + envName.substring(envPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
      }
    }
    return null;
  }

  public static String envName(String key) {
    return "PULSE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public Set<String> keys() {
    return values.keySet();
  }

  /** The raw value, possibly empty. */
  public String string(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("no such config key: " + key);
    }
    return v;
  }

  /** The value, or empty when it is blank. */
  public Optional<String> optional(String key) {
    String v = string(key);
    return v.isBlank() ? Optional.empty() : Optional.of(v);
  }

  public String required(String key) {
    return optional(key).orElseThrow(() -> fail(key, "must not be empty"));
  }

  public int intIn(String key, int min, int max) {
    long v = longIn(key, min, max);
    return (int) v;
  }

  public long longIn(String key, long min, long max) {
    String raw = required(key);
    long v;
    try {
      v = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw fail(key, "'" + raw + "' is not a whole number");
    }
    return checkRange(key, v, min, max, raw);
  }

  public boolean bool(String key) {
    String raw = required(key).toLowerCase(Locale.ROOT);
    return switch (raw) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw fail(key, "'" + raw + "' is not true or false");
    };
  }

  /** A duration written 250ms, 30s, 5m, 1h, 2d or ISO-8601 (PT30S), within [min, max]. */
  public Duration duration(String key, Duration min, Duration max) {
    String raw = required(key);
    Duration d = parseDuration(raw).orElseThrow(() -> fail(key, "'" + raw
        + "' is not a duration (write e.g. 500ms, 30s, 5m, 1h, 2d or PT30S)"));
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw fail(key, "'" + raw + "' is out of range [" + min + ", " + max + "]");
    }
    return d;
  }

  /** A size written in bytes or with KB, MB, GB (powers of 1024), within [min, max] bytes. */
  public long bytes(String key, long min, long max) {
    String raw = required(key);
    Matcher m = SIZE.matcher(raw);
    if (!m.matches()) {
      throw fail(key, "'" + raw + "' is not a size (write e.g. 262144, 256KB, 8MB)");
    }
    long unit = switch (m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT)) {
      case "KB" -> 1024L;
      case "MB" -> 1024L * 1024;
      case "GB" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    long v;
    try {
      v = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    } catch (ArithmeticException | NumberFormatException e) {
      throw fail(key, "'" + raw + "' is too large");
    }
    return checkRange(key, v, min, max, raw);
  }

  public Instant instant(String key) {
    String raw = required(key);
    try {
      return Instant.parse(raw);
    } catch (DateTimeParseException e) {
      throw fail(key, "'" + raw + "' is not an ISO-8601 instant such as 2000-01-01T00:00:00Z");
    }
  }

  /** A comma-separated list, blanks dropped. */
  public List<String> list(String key) {
    return Arrays.stream(string(key).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** One of the allowed words. */
  public String oneOf(String key, Set<String> allowed) {
    String raw = required(key);
    if (!allowed.contains(raw)) {
      throw fail(key, "'" + raw + "' is not one of " + new TreeSet<>(allowed));
    }
    return raw;
  }

  /** A ConfigException for this key that says where its value came from. */
  public ConfigException fail(String key, String problem) {
    return new ConfigException(key, "config key '" + key + "' (from " + origins.getOrDefault(key, "?") + "): "
        + problem);
  }

  public static Optional<Duration> parseDuration(String raw) {
    Matcher m = DURATION.matcher(raw.trim());
    if (m.matches()) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
      try {
        return Optional.of(switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        });
      } catch (ArithmeticException e) {
        return Optional.empty(); // more seconds than a Duration holds
      }
    }
    try {
      Duration d = Duration.parse(raw.trim());
      return d.isNegative() ? Optional.empty() : Optional.of(d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private long checkRange(String key, long v, long min, long max, String raw) {
    if (v < min || v > max) {
      throw fail(key, "'" + raw + "' is out of range [" + min + ", " + max + "]");
    }
    return v;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    values.forEach((k, v) -> sb.append(k).append('=').append(k.contains("password") && !v.isEmpty() ? "***" : v)
        .append(System.lineSeparator()));
    return sb.toString();
  }
}
