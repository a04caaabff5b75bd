package dev.pulse.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for brokers that must know their ports before they bind (KRaft voters). */
public final class FreePorts {

  private FreePorts() {
  }

  /** A port p such that p and p + 1 were both free a moment ago. */
  public static int pair() {
    for (int attempt = 0; attempt < 50; attempt++) {
      int p = one();
      if (p < 65535 && isFree(p + 1)) {
        return p;
      }
    }
    throw new IllegalStateException("no two adjacent free ports found");
  }

  public static int one() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether nothing listens on the loopback port right now. */
  public static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
