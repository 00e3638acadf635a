package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sshrpc.term.Terms.*;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Round trips and hand-checked encodings (bytes as OTP 25's term_to_binary writes them). */
class TermCodecTest {
  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  private static void assertEncodes(Term t, int... expected) throws Exception {
    assertArrayEquals(bytes(expected), TermEncoder.DEFAULT.encode(t), t.toString());
    assertEquals(t, TermDecoder.DEFAULT.decode(bytes(expected)));
  }

  @Test
  void integers() throws Exception {
    assertEncodes(integer(1 << 27), 131, 98, 8, 0, 0, 0);
    assertEncodes(integer(-1), 131, 98, 255, 255, 255, 255);
    assertEncodes(integer(255), 131, 97, 255);
    assertEncodes(integer(1L << 31), 131, 110, 4, 0, 0, 0, 0, 128);
    assertEncodes(integer(-(1L << 31) - 1), 131, 110, 4, 1, 1, 0, 0, 128);
    assertEncodes(integer(Long.MIN_VALUE), 131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128);
    assertEncodes(integer(BigInteger.ONE.shiftLeft(64)), 131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  }

  @Test
  void atomsListsMaps() throws Exception {
    assertEncodes(atom("a"), 131, 100, 0, 1, 97);
    assertEncodes(atom("é"), 131, 100, 0, 1, 233);
    assertEncodes(atom("中"), 131, 119, 3, 228, 184, 173);
    assertEncodes(flt(-0.0), 131, 70, 128, 0, 0, 0, 0, 0, 0, 0);
    assertEncodes(ErlList.improper(List.of(integer(1)), integer(2)), 131, 108, 0, 0, 0, 1, 97, 1, 97, 2);
    assertEncodes(list(atom("a"), integer(1), integer(2)), 131, 108, 0, 0, 0, 3, 100, 0, 1, 97, 97, 1, 97, 2, 106);
    assertEncodes(
        map(integer(2), atom("a"), flt(1.0), atom("b"), integer(1), atom("c")),
        131, 116, 0, 0, 0, 3, 97, 1, 100, 0, 1, 99, 97, 2, 100, 0, 1, 97, 70, 63, 240, 0, 0, 0, 0, 0,
        0, 100, 0, 1, 98);
  }

  @Test
  void seedReplyIsAString() throws Exception {
    List<Term> seq = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      seq.add(integer(i));
    }
    byte[] enc = TermEncoder.DEFAULT.encode(list(seq));
    assertEquals(107, enc[1]);
    assertEquals(1 + 3 + 100, enc.length);
    assertEquals(list(seq), TermDecoder.DEFAULT.decode(enc));
  }

  @Test
  void roundTripsEveryKind() throws Exception {
    ErlAtom node = atom("nonode@nohost");
    Term t =
        tuple(
            atom("mfa"),
            tuple(atom("lists"), atom("seq"), list(integer(1), integer(100))),
            binary("héllo"),
            ErlBitstring.of(bytes(0xFF, 0xF0), 4),
            ErlPid.of(node, 9, 0, 0),
            ErlRef.of(node, 0, 1, 2, 3),
            ErlPort.of(node, 7, 1),
            ErlExportFun.of(atom("erlang"), atom("self"), 0),
            map(atom("k"), list(string("x"), nil())),
            integer(BigInteger.TWO.pow(2000).negate()),
            flt(3.25),
            tuple());
    for (TermEncoder enc : List.of(TermEncoder.DEFAULT, TermEncoder.builder().utf8Atoms(true).build())) {
      byte[] b = enc.encode(t);
      assertEquals(enc.encodedSize(t), b.length);
      assertEquals(t, TermDecoder.DEFAULT.decode(b));
    }
  }

  @Test
  void hugeClaimFailsAtOnce() {
    TermFormatException e =
        assertThrows(
            TermFormatException.class,
            () -> TermDecoder.DEFAULT.decode(bytes(131, 108, 0x00, 0x3F, 0xFF, 0xFF)));
    assertEquals(1, e.offset());
  }

  @Test
  void trailingBytesRejected() {
    TermFormatException e =
        assertThrows(TermFormatException.class, () -> TermDecoder.DEFAULT.decode(bytes(131, 106, 0)));
    assertEquals("1 trailing bytes after the term at offset 2", e.getMessage());
  }
  /**
   * The encoder writes a small map's entries as they come and rewinds when a key is out of order:
   * a map whose out-of-order key comes late, after nested maps (themselves out of order) were
   * already written, must come out exactly as the same map built in key order.
   */
  @Test
  void smallMapOutOfOrderLateIsRewrittenSorted() throws Exception {
    Term innerUnsorted = map(atom("b"), integer(2), atom("a"), integer(1));
    Term innerSorted = map(atom("a"), integer(1), atom("b"), integer(2));
    Term unsorted =
        map(integer(1), innerUnsorted, integer(2), binary("x"), atom("z"), integer(3), integer(0), innerUnsorted);
    Term sorted =
        map(integer(0), innerSorted, integer(1), innerSorted, integer(2), binary("x"), atom("z"), integer(3));
    assertEquals(sorted, unsorted);
    byte[] expected = TermEncoder.DEFAULT.encode(sorted);
    assertArrayEquals(expected, TermEncoder.DEFAULT.encode(unsorted));
    assertEquals(expected.length, TermEncoder.DEFAULT.encodedSize(unsorted));
    // Key order of the sorted form, checked by hand: 0, 1, 2 (integers), then the atom z.
    assertArrayEquals(bytes(131, 116, 0, 0, 0, 4, 97, 0), java.util.Arrays.copyOf(expected, 8));
  }
}
