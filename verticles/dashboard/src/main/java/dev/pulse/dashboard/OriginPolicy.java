package dev.pulse.dashboard;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which pages may drive the dashboard, decided from its configuration and the port it got, never from what the
 * request itself claims. The Origin of a state-changing request or a WebSocket upgrade must be the dashboard's own
 * or a configured one; and a dashboard on loopback answers only requests addressed to a loopback name, so a page
 * whose DNS name was rebound to 127.0.0.1 gets nothing.
 */
final class OriginPolicy {

  private static final List<String> LOOPBACK_NAMES = List.of("localhost", "127.0.0.1", "::1");

  private final BindAddress bind;
  private final int port;
  private final Set<WebOrigin> origins = new LinkedHashSet<>();
  private final List<WebOrigin> configured;

  OriginPolicy(BindAddress bind, int port, List<WebOrigin> allowedOrigins) {
    this.bind = bind;
    this.port = port;
    this.configured = List.copyOf(allowedOrigins);
    origins.add(WebOrigin.http(bind.host(), port));
    if (bind.listensOnLoopback()) {
      LOOPBACK_NAMES.forEach(name -> origins.add(WebOrigin.http(name, port)));
    }
    origins.addAll(configured);
  }

  /** Whether a page of this origin (the Origin header, as sent) may change state or open the WebSocket. */
  boolean originAllowed(String origin) {
    try {
      return origins.contains(WebOrigin.parse(origin));
    } catch (IllegalArgumentException e) {
      return false; // "null" (sandboxed frames, file:) and anything malformed
    }
  }

  /**
   * Whether a request addressed to this Host (name and port, port -1 when the header has none) is for us. Only a
   * dashboard on loopback can tell: elsewhere any name may lead to it.
   */
  boolean hostAllowed(String host, int hostPort) {
    if (!bind.loopback()) {
      return true;
    }
    String name = WebOrigin.hostName(host);
    int effectivePort = hostPort < 0 ? WebOrigin.defaultPort("http") : hostPort;
    if (effectivePort == port && (LOOPBACK_NAMES.contains(name) || name.equals(bind.host()))) {
      return true;
    }
    return configured.stream().anyMatch(o -> o.host().equals(name)
        && (hostPort < 0 ? o.port() == WebOrigin.defaultPort(o.scheme()) : o.port() == hostPort));
  }

  /** The origins accepted, for messages. */
  Set<WebOrigin> origins() {
    return Set.copyOf(origins);
  }
}
