package dev.pulse.dashboard;

import io.netty.util.NetUtil;

/**
 * What the configured dashboard.host means for who can reach the dashboard. Decided from the text alone (IP
 * literals and "localhost"), never by a DNS lookup, which would block the event loop: any other name counts as
 * reachable from other hosts.
 */
record BindAddress(String host, boolean loopback, boolean wildcard) {

  static BindAddress of(String configuredHost) {
    String host = WebOrigin.hostName(configuredHost.trim());
    if ("localhost".equals(host)) {
      return new BindAddress(host, true, false);
    }
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
    if (ip == null) {
      return new BindAddress(host, false, false);
    }
    return new BindAddress(host, isLoopback(ip), isZero(ip, 0, ip.length));
  }

  /** Whether the loopback interface is among those listened on, so http://localhost:port reaches us. */
  boolean listensOnLoopback() {
    return loopback || wildcard;
  }

  private static boolean isLoopback(byte[] ip) {
    if (ip.length == 4) {
      return ip[0] == 127;
    }
    boolean v4Mapped = isZero(ip, 0, 10) && ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
    return v4Mapped ? ip[12] == 127 : isZero(ip, 0, 15) && ip[15] == 1;
  }

  private static boolean isZero(byte[] ip, int from, int to) {
    for (int i = from; i < to; i++) {
      if (ip[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
