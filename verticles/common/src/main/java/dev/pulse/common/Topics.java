package dev.pulse.common;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The Kafka topics of one Pulse deployment. This is the only place topic names are spelled.
 *
 * <p>A deployment may carry a namespace (config key {@code pulse.namespace}); it is appended to every
 * topic so that several pipelines, or several tests, share one broker without seeing each other's data.
 */
public record Topics(String input, String enriched, String deadLetter) {

  public static final String INPUT = "user_activity";
  public static final String ENRICHED = "enriched_activity";
  public static final String DEAD_LETTER = "user_activity_dlq";

  private static final Pattern NAMESPACE = Pattern.compile("[a-zA-Z0-9_-]{0,40}");

  public Topics {
    Objects.requireNonNull(input);
    Objects.requireNonNull(enriched);
    Objects.requireNonNull(deadLetter);
  }

  public static Topics defaults() {
    return new Topics(INPUT, ENRICHED, DEAD_LETTER);
  }

  /** The topics of a namespaced deployment: {@code user_activity.<ns>} and so on; an empty namespace gives the defaults. */
  public static Topics forNamespace(String namespace) {
    if (!isValidNamespace(namespace)) {
      throw new IllegalArgumentException("namespace must match " + NAMESPACE + ": " + namespace);
    }
    if (namespace.isEmpty()) {
      return defaults();
    }
    return new Topics(INPUT + "." + namespace, ENRICHED + "." + namespace, DEAD_LETTER + "." + namespace);
  }

  public static boolean isValidNamespace(String namespace) {
    return namespace != null && NAMESPACE.matcher(namespace).matches();
  }

  public List<String> all() {
    return List.of(input, enriched, deadLetter);
  }
}
