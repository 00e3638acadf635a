package org.sshrpc.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;

class FrameEncoderTest {
  @Test
  void singleFrameIsLengthPlusEtf() {
    // term_to_binary(pong) on OTP 25 = <<131,100,0,4,"pong">>
    byte[] f = FrameEncoder.frame(atom("pong"));
    assertArrayEquals(new byte[] {0, 0, 0, 8, (byte) 131, 100, 0, 4, 'p', 'o', 'n', 'g'}, f);
  }

  @Test
  void coalescedFramesSplitBackIntoTheSameTerms() throws Exception {
    List<Term> terms = new ArrayList<>();
    FrameEncoder enc = new FrameEncoder();
    for (int i = 0; i < 100; i++) {
      Term t = ServerMessage.Reply.ok(i, tuple(atom("n"), integer(i * 1000L), list(integer(i)))).toTerm();
      terms.add(t);
      enc.append(t);
    }
    byte[] batch = enc.drain();
    assertEquals(0, enc.size());
    List<Term> back = new ArrayList<>();
    FrameDecoder dec = new FrameDecoder(1 << 20);
    dec.feed(batch, 0, batch.length, f -> {
      try {
        back.add(TermDecoder.DEFAULT.decode(f));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    assertEquals(terms, back);
  }

  @Test
  void appendFrameKeepsBytes() {
    byte[] a = FrameEncoder.frame(atom("a"));
    byte[] b = FrameEncoder.frame(atom("b"));
    byte[] both = new FrameEncoder().appendFrame(a).appendFrame(b).drain();
    assertEquals(a.length + b.length, both.length);
    assertEquals(a[a.length - 1], both[a.length - 1]);
  }

  @Test
  void refusesToWriteAFrameOverItsLimit() {
    FrameEncoder enc = new FrameEncoder(TermEncoder.DEFAULT, 10);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> enc.append(list(integer(1000), integer(2000), integer(3000))));
    assertEquals("frame too large: 22 bytes (expected: <= 10)", e.getMessage());
  }

  @Test
  void appendIntoAGrowableBufferMakesTheSameFramesAsFrame() {
    GrowableBuffer b = new GrowableBuffer(0);
    Term big = list(integer(1), tuple(atom("x"), integer(1L << 40)));
    FrameEncoder.append(TermEncoder.DEFAULT, atom("pong"), TermEncoder.DEFAULT.encodedSize(atom("pong")), b);
    FrameEncoder.appendFrame(TermEncoder.DEFAULT.encode(big), b);
    FrameEncoder.appendHeader(3, b);
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    expected.writeBytes(FrameEncoder.frame(atom("pong")));
    expected.writeBytes(FrameEncoder.frame(big));
    expected.writeBytes(new byte[] {0, 0, 0, 3});
    assertArrayEquals(expected.toByteArray(), java.util.Arrays.copyOf(b.array(), b.size()));
  }

  @Test
  void aTermThatCannotBeEncodedLeavesTheBufferAsItWas() {
    GrowableBuffer b = new GrowableBuffer(64);
    FrameEncoder.appendFrame(new byte[] {1, 2}, b);
    IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
        () -> FrameEncoder.append(TermEncoder.DEFAULT, atom("pong"), 3, b));
    assertEquals("term encodes to 8 bytes, not the 3 given", wrong.getMessage());
    assertEquals(6, b.size());
    TermEncoder compressing = TermEncoder.builder().compressionLevel(6).build();
    assertThrows(RuntimeException.class, () -> FrameEncoder.append(compressing, atom("pong"), 8, b));
    assertEquals(6, b.size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FrameEncoder.append(TermEncoder.DEFAULT, atom("x"), -1, b));
    assertEquals("frame content: -1 bytes (expected: <= 2147483635)", e.getMessage());
  }

  @Test
  void detachHandsOverTheArrayAndStartsOnTheSpare() {
    GrowableBuffer b = new GrowableBuffer(4);
    FrameEncoder.appendFrame(new byte[] {7}, b);
    byte[] spare = new byte[32];
    byte[] out = b.detach(spare);
    assertEquals(7, out[4]);
    assertEquals(0, b.size());
    assertTrue(b.array() == spare);
  }

  @Test
  void anInstanceAppendsWithinItsLimit() {
    FrameEncoder enc = new FrameEncoder(TermEncoder.DEFAULT, 8);
    GrowableBuffer b = new GrowableBuffer(0);
    assertEquals(12, enc.append(atom("pong"), b));
    assertArrayEquals(FrameEncoder.frame(atom("pong")), java.util.Arrays.copyOf(b.array(), b.size()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> enc.append(atom("pongs"), b));
    assertEquals("frame too large: 9 bytes (expected: <= 8)", e.getMessage());
    assertEquals(12, b.size());
  }
}
