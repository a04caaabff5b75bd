package dev.pulse.app.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what java.net.http will not send: a forged Host header, a query that is not a
 * valid URI, a body announced but never sent, raw WebSocket frames.
 */
final class RawHttp implements AutoCloseable {

  /** A response head and its body (read by Content-Length). */
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;

  RawHttp(int port, Duration readTimeout) {
    try {
      socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout((int) readTimeout.toMillis());
      in = socket.getInputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One request on a fresh connection; the answer must come within {@code readTimeout}. */
  static Response exchange(int port, String head, byte[] body) {
    try (RawHttp http = new RawHttp(port, Duration.ofSeconds(10))) {
      http.write(head.getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        http.write(body);
      }
      return http.readResponse();
    }
  }

  /** A GET of {@code pathAndQuery} sent byte for byte as given, with this Host header. */
  static Response get(int port, String pathAndQuery, String host) {
    return exchange(port, "GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n",
        null);
  }

  void write(byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Response readResponse() {
    try {
      Map<String, String> headers = new LinkedHashMap<>();
      String status = line();
      for (String l = line(); !l.isEmpty(); l = line()) {
        int colon = l.indexOf(':');
        headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
      }
      int code = Integer.parseInt(status.split(" ")[1]);
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      byte[] body = in.readNBytes(length);
      return new Response(code, headers, new String(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("no complete HTTP response", e);
    }
  }

  InputStream input() {
    return in;
  }

  private String line() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("connection closed in a response head after '" + buf + "'");
      }
      if (b != '\r') {
        buf.write(b);
      }
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
