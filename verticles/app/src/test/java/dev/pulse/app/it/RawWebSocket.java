package dev.pulse.app.it;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A WebSocket client that writes frames byte by byte, to send what no well-behaved client library would. */
final class RawWebSocket implements AutoCloseable {

  static final int CONTINUATION = 0x0;
  static final int TEXT = 0x1;
  static final int CLOSE = 0x8;

  private final RawHttp http;
  private final DataInputStream in;

  RawWebSocket(int port) {
    http = new RawHttp(port, Duration.ofSeconds(10));
    http.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + "Origin: http://127.0.0.1:" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    RawHttp.Response upgrade = http.readResponse();
    if (upgrade.status() != 101) {
      throw new IllegalStateException("upgrade refused: " + upgrade);
    }
    in = new DataInputStream(http.input());
  }

  /** Writes one masked client frame; false when the server has already closed the connection. */
  boolean send(int opcode, boolean fin, byte[] payload) {
    ByteBuffer frame = ByteBuffer.allocate(14 + payload.length);
    frame.put((byte) ((fin ? 0x80 : 0) | opcode));
    if (payload.length < 126) {
      frame.put((byte) (0x80 | payload.length));
    } else if (payload.length < 65_536) {
      frame.put((byte) (0x80 | 126)).putShort((short) payload.length);
    } else {
      frame.put((byte) (0x80 | 127)).putLong(payload.length);
    }
    byte[] mask = {0x11, 0x22, 0x33, 0x44};
    frame.put(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.put((byte) (payload[i] ^ mask[i % 4]));
    }
    try {
      http.write(java.util.Arrays.copyOf(frame.array(), frame.position()));
      return true;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** Whether the server has sent something that is not yet read (a close frame, once it gives up on us). */
  boolean serverSpoke() {
    try {
      return in.available() > 0;
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * Reads the server's frames, skipping data, until its close frame, and answers the close code; fails if none
   * comes within the read timeout.
   */
  int awaitCloseCode() {
    // The server pushes status every second, so the socket's read timeout alone never fires: keep a deadline.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    try {
      while (System.nanoTime() < deadline) {
        int b0 = in.readUnsignedByte();
        int len = in.readUnsignedByte() & 0x7f;
        long length = len == 126 ? in.readUnsignedShort() : len == 127 ? in.readLong() : len;
        byte[] payload = in.readNBytes((int) length);
        if ((b0 & 0x0f) == CLOSE) {
          return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
      }
      throw new AssertionError("no close frame from the server within 10 s");
    } catch (EOFException e) {
      throw new AssertionError("the server dropped the connection without a close frame", e);
    } catch (IOException e) {
      throw new AssertionError("no close frame from the server: " + e, e);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
