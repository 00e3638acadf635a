package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TermEncoder#encodedSizeAtMost(Term, long)} against {@link TermEncoder#encodedSize(Term)}. */
@Timeout(60)
class TermEncodedSizeTest {

  private static void check(TermEncoder enc, Term t, long cap) {
    long exact = enc.encodedSize(t);
    long got = enc.encodedSizeAtMost(t, cap);
    if (exact <= cap) {
      assertEquals(exact, got, () -> "cap " + cap + " for " + TermPrinter.print(t, 200));
    } else {
      assertTrue(got > cap, () -> "cap " + cap + " got " + got + " for " + TermPrinter.print(t, 200));
    }
  }

  @Test
  void agreesWithEncodedSizeBelowAtAndAboveTheCap() {
    RandomTerms gen = new RandomTerms(31337L, true);
    Random rnd = gen.random();
    for (TermEncoder enc : new TermEncoder[] {TermEncoder.DEFAULT, TermEncoder.builder().utf8Atoms(true).build()}) {
      for (int n = 0; n < 3_000; n++) {
        Term t = gen.term(4);
        long size = enc.encodedSize(t);
        for (long cap : new long[] {0, 1, 2, size - 2, size - 1, size, size + 1, 2 * size, rnd.nextInt((int) size + 1), Long.MAX_VALUE}) {
          if (cap >= 0) {
            check(enc, t, cap);
          }
        }
      }
    }
  }

  @Test
  void aTermTooLargeToEncodeIsReportedOverTheCap() {
    // 100,000 references to one 64 KiB binary: 6.5 GB encoded, which encodedSize refuses.
    Term[] a = new Term[100_000];
    Arrays.fill(a, ErlBinary.of(new byte[64 * 1024]));
    Term huge = new ErlTuple(a);
    assertThrows(IllegalArgumentException.class, () -> TermEncoder.DEFAULT.encodedSize(huge));
    assertTrue(TermEncoder.DEFAULT.encodedSizeAtMost(huge, 1 << 20) > 1 << 20);
    // A 10-million-element list is known to be over a small cap from its length alone.
    Term[] zeros = new Term[10_000_000];
    Arrays.fill(zeros, Terms.integer(0));
    assertEquals(1001, TermEncoder.DEFAULT.encodedSizeAtMost(new ErlList(zeros, null), 1000));
  }

  @Test
  void negativeCapIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TermEncoder.DEFAULT.encodedSizeAtMost(Terms.nil(), -1));
    assertEquals("cap: -1 (expected: >= 0)", e.getMessage());
  }
}
