package org.sshrpc.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
}
