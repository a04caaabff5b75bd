package dev.pulse.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pulse.dashboard.InboundMessages.Verdict;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InboundMessagesTest {

  private final InboundMessages inbound = new InboundMessages(10);

  @Test
  void aMultiByteCharacterSplitAcrossFragmentsIsValid() {
    byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8); // E2 82 AC
    assertEquals(Verdict.CARRY_ON, inbound.frame(true, false, false, new byte[] {euro[0]}));
    assertEquals(Verdict.CARRY_ON, inbound.frame(false, true, false, new byte[] {euro[1]}));
    assertEquals(Verdict.CARRY_ON, inbound.frame(false, true, true, new byte[] {euro[2]}));
  }

  @Test
  void invalidUtf8IsCaughtInTheFrameThatCarriesIt() {
    assertEquals(Verdict.NOT_UTF8, inbound.frame(true, false, true, new byte[] {(byte) 0xC3, 0x28}));
    assertEquals(Verdict.NOT_UTF8, inbound.frame(true, false, true, new byte[] {(byte) 0xED, (byte) 0xA0,
        (byte) 0x80}), "an encoded surrogate");
  }

  @Test
  void aMessageThatEndsInTheMiddleOfACharacterIsInvalid() {
    assertEquals(Verdict.NOT_UTF8, inbound.frame(true, false, true, new byte[] {'a', (byte) 0xE2, (byte) 0x82}));
  }

  @Test
  void binaryIsNotDecodedButCounted() {
    assertEquals(Verdict.CARRY_ON, inbound.frame(false, false, true, new byte[] {(byte) 0xff, (byte) 0xfe}));
    assertEquals(Verdict.TOO_BIG, inbound.frame(false, false, true, new byte[11]));
  }

  @Test
  void theLimitCoversTheWholeFragmentedMessageAndANewMessageStartsAfresh() {
    assertEquals(Verdict.CARRY_ON, inbound.frame(true, false, false, "abcdef".getBytes(StandardCharsets.UTF_8)));
    assertEquals(Verdict.TOO_BIG, inbound.frame(false, true, false, "ghijk".getBytes(StandardCharsets.UTF_8)));
    assertEquals(Verdict.CARRY_ON, inbound.frame(true, false, true, "0123456789".getBytes(StandardCharsets.UTF_8)));
  }
}
