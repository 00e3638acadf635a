package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TermPrinter#print(Term, int)}: cut output, and work bounded by the output. */
@Timeout(60)
class TermPrinterBoundedTest {
  private static final BigInteger BIG_16K = BigInteger.ONE.shiftLeft(16 * 1024 * 8 - 1).add(BigInteger.valueOf(12345));

  /** A list of n references to one element: 10 million elements cost one array. */
  private static ErlList repeated(Term element, int n) {
    Term[] a = new Term[n];
    Arrays.fill(a, element);
    return new ErlList(a, null);
  }

  @Test
  void hugeTermIsCutAndOnlyWhatIsShownIsVisited() {
    ErlList bignums = repeated(integer(BIG_16K), 1000);
    ErlList tenMillion = repeated(integer(0), 10_000_000);
    Term t = tuple(bignums, tenMillion, bignums);

    BoundedTermPrinter p = new BoundedTermPrinter(120);
    String s = p.print(t);
    assertEquals(123, s.length(), s);
    assertTrue(s.startsWith("{[16#8000000000"), s);
    assertTrue(s.endsWith("..."), s);
    // The tuple, the list, its first bignum: nothing more was stepped into.
    assertEquals(3, p.visited());

    // Each visited element prints at least one character, so a 120-character printout visits
    // at most about 120 terms of the 10 million.
    p = new BoundedTermPrinter(120);
    s = p.print(tuple(tenMillion, bignums));
    assertEquals("{[" + "0,".repeat(59) + "...", s);
    assertTrue(p.visited() <= 62, "visited " + p.visited());

    // The same through the public entry point, with a huge bignum anywhere.
    s = TermPrinter.print(tuple(atom("badrpc"), list(integer(BIG_16K.negate()), tenMillion)), 40);
    assertEquals(("{badrpc,[-16#8" + "0".repeat(100)).substring(0, 40) + "...", s);
  }

  @Test
  void deepNestingIsCutWithABoundedStack() {
    Term t = atom("x");
    for (int i = 0; i < 200_000; i++) {
      t = list(t);
    }
    BoundedTermPrinter p = new BoundedTermPrinter(10);
    assertEquals("[".repeat(10) + "...", p.print(t));
    assertTrue(p.visited() <= 11, "visited " + p.visited());
  }

  @Test
  void integersAbove256BitsAreHex() {
    BigInteger two256 = BigInteger.ONE.shiftLeft(256);
    assertEquals(two256.subtract(BigInteger.ONE).toString(), TermPrinter.print(integer(two256.subtract(BigInteger.ONE)), 1000));
    assertEquals("16#1" + "0".repeat(64), TermPrinter.print(integer(two256), 1000));
    assertEquals("-16#1" + "0".repeat(64), TermPrinter.print(integer(two256.negate()), 1000));
    assertEquals("[16#1" + "F".repeat(64) + ",1]", TermPrinter.print(list(integer(two256.shiftLeft(1).subtract(BigInteger.ONE)), integer(1)), 1000));
    assertEquals("16#100000...", TermPrinter.print(integer(two256), 9));
    assertEquals("-16#ABC" + "0".repeat(75), TermPrinter.print(integer(BigInteger.valueOf(-0xABC).shiftLeft(300)), 1000));
  }

  @Test
  void binariesAreClassifiedOnTheShownPrefix() {
    byte[] ascii = new byte[16 * 1024 * 1024];
    Arrays.fill(ascii, (byte) 'a');
    assertEquals("<<\"aaaaaaa...", TermPrinter.print(ErlBinary.of(ascii), 10));
    byte[] zeros = new byte[16 * 1024 * 1024];
    assertEquals("<<0,0,0,0,...", TermPrinter.print(ErlBinary.of(zeros), 10));
    byte[] utf8 = "é".repeat(1_000_000).getBytes(StandardCharsets.UTF_8);
    assertEquals("<<\"ééééééé...", TermPrinter.print(ErlBinary.of(utf8), 10));
    // Whole: exactly as the unbounded printer.
    assertEquals("<<\"héllo\"/utf8>>", TermPrinter.print(ErlBinary.of("héllo".getBytes(StandardCharsets.UTF_8)), 100));
    assertEquals("<<1,2:3>>", TermPrinter.print(ErlBitstring.of(new byte[] {1, 0x40}, 3), 100));
  }

  @Test
  void cutsNeverSplitASurrogatePairAndBoundsAreChecked() {
    assertEquals("'...", TermPrinter.print(atom("\uD83D\uDE00\uD83D\uDE00"), 2));
    assertEquals("...", TermPrinter.print(atom("ok"), 0));
    assertEquals("ok", TermPrinter.print(atom("ok"), 2));
    assertEquals("o...", TermPrinter.print(atom("ok"), 1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TermPrinter.print(atom("ok"), -1));
    assertEquals("maxChars: -1 (expected: >= 0)", e.getMessage());
  }

  /** Whatever fits is printed exactly as print(Term); whatever does not is cut at the bound. */
  @Test
  void randomTermsMatchTheUnboundedPrinterWhenTheyFit() {
    RandomTerms gen = new RandomTerms(424242L, true);
    for (int n = 0; n < 1_000; n++) {
      Term t = gen.term(3);
      String full = TermPrinter.print(t);
      String bounded = TermPrinter.print(t, full.length());
      if (!bounded.contains("16#")) {
        assertEquals(full, bounded);
      }
      int cut = gen.random().nextInt(full.length());
      String s = TermPrinter.print(t, cut);
      assertTrue(s.length() <= cut + 3, s);
      if (!bounded.contains("16#") && s.length() == cut + 3 && !s.contains("\"")) {
        // Unless a list or binary was classified as a string on its shown prefix only, the cut
        // printout is a prefix of the whole one.
        assertTrue(full.startsWith(s.substring(0, s.length() - 3)), s + " vs " + full);
      }
    }
  }
}
