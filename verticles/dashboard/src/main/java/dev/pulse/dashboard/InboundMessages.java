package dev.pulse.dashboard;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks what a browser sends up the WebSocket, frame by frame, as it arrives: the dashboard expects nothing but
 * small messages, so a message that grows past the limit (however it is fragmented) or text that is not UTF-8
 * ends the connection before anything piles up. Used on one socket's context only.
 */
final class InboundMessages {

  /** What to do after a frame. */
  enum Verdict {
    CARRY_ON(0),
    /** RFC 6455 1009: message too big. */
    TOO_BIG(1009),
    /** RFC 6455 1007: data inconsistent with the message type (text that is not UTF-8). */
    NOT_UTF8(1007);

    final short closeCode;

    Verdict(int closeCode) {
      this.closeCode = (short) closeCode;
    }
  }

  private final int maxMessageBytes;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
  private long messageBytes;
  private boolean inText;
  /** The start of a UTF-8 sequence cut by the end of the previous fragment (at most 3 bytes). */
  private ByteBuffer carry = ByteBuffer.allocate(0);

  InboundMessages(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** A data frame: a first one (text or binary) or a continuation; control frames are not passed here. */
  Verdict frame(boolean text, boolean continuation, boolean fin, byte[] payload) {
    if (!continuation) {
      messageBytes = 0;
      inText = text;
      utf8.reset();
      carry = ByteBuffer.allocate(0);
    }
    messageBytes += payload.length;
    if (messageBytes > maxMessageBytes) {
      return Verdict.TOO_BIG;
    }
    if (inText && !validUtf8(payload, fin)) {
      return Verdict.NOT_UTF8;
    }
    return Verdict.CARRY_ON;
  }

  private boolean validUtf8(byte[] payload, boolean fin) {
    ByteBuffer in = ByteBuffer.allocate(carry.remaining() + payload.length).put(carry).put(payload).flip();
    CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
    if (utf8.decode(in, out, fin).isError()) {
      return false;
    }
    if (fin) {
      return !utf8.flush(out).isError() && !in.hasRemaining();
    }
    carry = in.slice();
    return true;
  }
}
