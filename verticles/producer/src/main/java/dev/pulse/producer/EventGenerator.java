package dev.pulse.producer;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Makes realistic clickstream records: a few popular pages and a long tail (Zipf-like), a mix of event
 * types dominated by page views, users of uneven activity. Deterministic for a given seed and clock values.
 */
public final class EventGenerator {

  /** What a generated record is meant to be, so a run can report what it sent. */
  public enum Kind { VALID, LATE, INVALID }

  public record Generated(byte[] key, byte[] value, Kind kind) {
  }

  private static final String[] FIXED_PAGES = {"/", "/cart", "/checkout", "/search"};
  private static final String[] EVENT_TYPES = {"page_view", "click", "add_to_cart", "search", "purchase"};
  private static final double[] EVENT_TYPE_WEIGHTS = {0.65, 0.20, 0.08, 0.05, 0.02};
  private static final String[] DEVICES = {"desktop", "mobile", "tablet"};
  private static final String[] REFERRERS = {"direct", "search", "social", "email", "ad"};

  private final GeneratorSpec spec;
  private final SplittableRandom random;
  private final double[] pageCumulative;
  private long sequence;

  public EventGenerator(GeneratorSpec spec) {
    this.spec = spec;
    this.random = new SplittableRandom(spec.seed());
    this.pageCumulative = zipfCumulative(spec.pages() + FIXED_PAGES.length, 1.1);
  }

  public Generated next(long nowMillis) {
    sequence++;
    double r = random.nextDouble();
    if (r < spec.invalidShare()) {
      return invalid(nowMillis);
    }
    boolean late = r < spec.invalidShare() + spec.lateShare();
    long eventTime = late
        ? nowMillis - spec.lateByMillis() - 1_000 - random.nextLong(60_000)
        : nowMillis - random.nextLong(2_000);
    String user = "u-" + (1 + skewed(spec.users()));
    JsonObject event = new JsonObject()
        .put("event_id", new UUID(random.nextLong(), random.nextLong()).toString())
        .put("user_id", user)
        .put("page_url", page(random.nextDouble()))
        .put("event_type", EVENT_TYPES[pick(EVENT_TYPE_WEIGHTS)])
        .put("timestamp", Instant.ofEpochMilli(eventTime).toString())
        .put("session_id", "s-" + user.substring(2) + "-" + (eventTime / 1_800_000))
        .put("device", DEVICES[random.nextInt(DEVICES.length)])
        .put("referrer", REFERRERS[random.nextInt(REFERRERS.length)]);
    return new Generated(bytes(user), bytes(event.encode()), late ? Kind.LATE : Kind.VALID);
  }

  /** Each kind of bad input Pulse must dead-letter, in turn. */
  private Generated invalid(long nowMillis) {
    String user = "u-" + (1 + random.nextInt(spec.users()));
    byte[] key = bytes(user);
    String ts = Instant.ofEpochMilli(nowMillis).toString();
    return switch ((int) (sequence % 8)) {
      case 0 -> new Generated(key, bytes("{\"user_id\":\"" + user + "\",\"page_url\":"), Kind.INVALID);
      case 1 -> new Generated(key, bytes("[1,2,3]"), Kind.INVALID);
      case 2 -> new Generated(key, bytes("{\"page_url\":\"/\",\"event_type\":\"click\",\"timestamp\":\"" + ts + "\"}"),
          Kind.INVALID);
      case 3 -> new Generated(key, bytes("{\"user_id\":\"" + user + "\",\"page_url\":\"\",\"event_type\":\"click\","
          + "\"timestamp\":\"" + ts + "\"}"), Kind.INVALID);
      case 4 -> new Generated(key, bytes("{\"user_id\":\"" + user + "\",\"page_url\":\"/\",\"event_type\":\"click\","
          + "\"timestamp\":\"not a date\"}"), Kind.INVALID);
      case 5 -> new Generated(key, bytes("{\"user_id\":\"" + user + "\",\"page_url\":\"/\",\"event_type\":\"click\","
          + "\"timestamp\":\"9999-01-01T00:00:00Z\"}"), Kind.INVALID);
      case 6 -> new Generated(key, new byte[] {'{', '"', 'u', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
          Kind.INVALID);
      default -> new Generated(key, null, Kind.INVALID);
    };
  }

  private String page(double u) {
    int i = 0;
    while (i < pageCumulative.length - 1 && u > pageCumulative[i]) {
      i++;
    }
    if (i < FIXED_PAGES.length) {
      return FIXED_PAGES[i];
    }
    int n = i - FIXED_PAGES.length + 1;
    return n % 5 == 0 ? "/category/" + (n / 5) : "/products/" + n;
  }

  /** Users are not equally active: a quarter of them make half of the traffic. */
  private int skewed(int n) {
    if (random.nextBoolean()) {
      return random.nextInt(Math.max(1, n / 4));
    }
    return random.nextInt(n);
  }

  private int pick(double[] weights) {
    double u = random.nextDouble();
    double acc = 0;
    for (int i = 0; i < weights.length; i++) {
      acc += weights[i];
      if (u < acc) {
        return i;
      }
    }
    return weights.length - 1;
  }

  private static double[] zipfCumulative(int n, double s) {
    double[] c = new double[n];
    double sum = 0;
    for (int k = 1; k <= n; k++) {
      sum += 1.0 / Math.pow(k, s);
      c[k - 1] = sum;
    }
    for (int k = 0; k < n; k++) {
      c[k] /= sum;
    }
    return c;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
