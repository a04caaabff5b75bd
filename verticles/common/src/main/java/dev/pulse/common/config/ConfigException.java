package dev.pulse.common.config;

/** A configuration value that cannot be used; the message names the key and where its value came from. */
public final class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String message) {
    super(message);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
