package dev.pulse.dashboard;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A browser origin, scheme://host:port, compared the way browsers mean it: case-insensitive, the default port of
 * the scheme written or not. The host is kept without IPv6 brackets.
 */
record WebOrigin(String scheme, String host, int port) {

  /** Parses an Origin header or a configured origin; throws IllegalArgumentException for anything else. */
  static WebOrigin parse(String raw) {
    URI uri;
    try {
      uri = new URI(raw.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + raw + "' is not an origin like http://host:port");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty() || "/".equals(uri.getRawPath()))
        && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
    if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null || !bare) {
      throw new IllegalArgumentException("'" + raw + "' is not an origin like http://host:port");
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : defaultPort(scheme);
    return new WebOrigin(scheme, hostName(uri.getHost()), port);
  }

  static WebOrigin http(String host, int port) {
    return new WebOrigin("http", hostName(host), port);
  }

  /** A host lower-cased and without IPv6 brackets, so that "[::1]" and "::1" compare equal. */
  static String hostName(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  static int defaultPort(String scheme) {
    return "https".equals(scheme) ? 443 : 80;
  }

  /** host:port as it appears in a URL (IPv6 in brackets). */
  String authority() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return scheme + "://" + authority();
  }
}
