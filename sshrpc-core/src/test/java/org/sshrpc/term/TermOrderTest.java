package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.flt;
import static org.sshrpc.term.Terms.integer;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TermOrder} against the order it replaced ({@link LegacyTermOrder}, which compared numbers
 * through {@code BigDecimal} and sorted map keys on every comparison): same sign for every pair.
 */
@Timeout(60)
class TermOrderTest {
  private static final BigInteger TWO_53 = BigInteger.ONE.shiftLeft(53);
  private static final BigInteger TWO_63 = BigInteger.ONE.shiftLeft(63);
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
  private static final BigInteger TWO_1023 = BigInteger.ONE.shiftLeft(1023);
  private static final BigInteger TWO_1024 = BigInteger.ONE.shiftLeft(1024);

  private static final double[] EDGE_FLOATS = {
    0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, 0x0.8p-1022, 1e-300,
    0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.5, 0.9999999999999999,
    0x1p52, 0x1p52 + 0.5, 0x1p53, 0x1p53 + 2, 0x1p53 - 1, -0x1p53, -0x1p53 - 2,
    0x1p62, 0x1p63, -0x1p63, 0x1p63 - 1024, -0x1p63 + 1024, 0x1p64, -0x1p64,
    9.223372036854775E18, 1e19, -1e19, 1e100, -1e100, 0x1p1000, 0x1p1023, -0x1p1023,
    Math.nextDown(0x1p1023), Double.MAX_VALUE, -Double.MAX_VALUE,
  };

  private static final BigInteger[] EDGE_INTS = {
    BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE.negate(), BigInteger.TWO,
    TWO_53.subtract(BigInteger.ONE), TWO_53, TWO_53.add(BigInteger.ONE), TWO_53.add(BigInteger.TWO),
    TWO_53.negate(), TWO_53.negate().subtract(BigInteger.ONE),
    BigInteger.valueOf(Long.MAX_VALUE), BigInteger.valueOf(Long.MIN_VALUE),
    TWO_63, TWO_63.negate().subtract(BigInteger.ONE), TWO_63.add(BigInteger.ONE), TWO_64,
    TWO_64.negate(), TWO_64.subtract(BigInteger.ONE),
    TWO_1023, TWO_1023.negate(), TWO_1023.add(BigInteger.ONE), TWO_1023.subtract(BigInteger.ONE),
    TWO_1024, TWO_1024.negate(), TWO_1024.subtract(BigInteger.ONE), TWO_1024.add(BigInteger.ONE),
    new java.math.BigDecimal(Double.MAX_VALUE).toBigInteger(),
    new java.math.BigDecimal(Double.MAX_VALUE).toBigInteger().add(BigInteger.ONE),
    new java.math.BigDecimal(Double.MAX_VALUE).toBigInteger().negate().subtract(BigInteger.ONE),
    BigInteger.ONE.shiftLeft(16 * 1024 * 8 - 1), BigInteger.ONE.shiftLeft(16 * 1024 * 8 - 1).negate(),
  };

  private static void assertSameOrder(Term a, Term b) {
    for (boolean exact : new boolean[] {false, true}) {
      TermOrder now = exact ? TermOrder.EXACT : TermOrder.STANDARD;
      LegacyTermOrder then = exact ? LegacyTermOrder.EXACT : LegacyTermOrder.STANDARD;
      int expected = Integer.signum(then.compare(a, b));
      assertEquals(expected, Integer.signum(now.compare(a, b)), () -> (exact ? "EXACT " : "") + a + " vs " + b);
      assertEquals(-expected, Integer.signum(now.compare(b, a)), () -> (exact ? "EXACT " : "") + b + " vs " + a);
    }
  }

  @Test
  void edgeIntegersAgainstEdgeFloats() {
    for (BigInteger i : EDGE_INTS) {
      for (double d : EDGE_FLOATS) {
        assertSameOrder(integer(i), flt(d));
        // The integers next to the float's own value, where the exact comparison decides.
        if (Math.abs(d) >= 1 && d == Math.rint(d)) {
          BigInteger v = new java.math.BigDecimal(d).toBigInteger();
          assertSameOrder(integer(v), flt(d));
          assertSameOrder(integer(v.add(BigInteger.ONE)), flt(d));
          assertSameOrder(integer(v.subtract(BigInteger.ONE)), flt(d));
        }
      }
    }
  }

  @Test
  void knownAnswers() {
    assertEquals(0, TermOrder.STANDARD.compare(integer(0), flt(-0.0)));
    assertEquals(0, TermOrder.STANDARD.compare(integer(TWO_1023), flt(0x1p1023)));
    assertTrue(TermOrder.STANDARD.compare(integer(TWO_1023.add(BigInteger.ONE)), flt(0x1p1023)) > 0);
    assertTrue(TermOrder.STANDARD.compare(integer(TWO_1023.subtract(BigInteger.ONE)), flt(0x1p1023)) < 0);
    // 2^53 + 1 is not a double: the nearest, 2^53, is below it.
    assertTrue(TermOrder.STANDARD.compare(integer(TWO_53.add(BigInteger.ONE)), flt(0x1p53)) > 0);
    assertTrue(TermOrder.STANDARD.compare(integer(Long.MAX_VALUE), flt(0x1p63)) < 0);
    assertTrue(TermOrder.STANDARD.compare(integer(Long.MIN_VALUE), flt(-0x1p63)) == 0);
    assertTrue(TermOrder.STANDARD.compare(integer(TWO_1024), flt(Double.MAX_VALUE)) > 0);
    assertTrue(TermOrder.STANDARD.compare(integer(TWO_1024.negate()), flt(-Double.MAX_VALUE)) < 0);
    assertTrue(TermOrder.STANDARD.compare(integer(1), flt(Double.MIN_VALUE)) > 0);
    assertTrue(TermOrder.STANDARD.compare(integer(0), flt(Double.MIN_VALUE)) < 0);
    assertTrue(TermOrder.STANDARD.compare(integer(-1), flt(-0.5)) < 0);
    assertTrue(TermOrder.EXACT.compare(integer(TWO_1024), flt(0.0)) < 0, "integers before floats");
  }

  /** Seeded random pairs over every binade of both, including bignums of up to 16 KiB. */
  @Test
  void randomIntegerFloatPairs() {
    Random rnd = new Random(0x5eed_0010L);
    for (int n = 0; n < 60_000; n++) {
      double d = randomDouble(rnd);
      BigInteger i;
      switch (rnd.nextInt(6)) {
        case 0:
        case 5: // near the float's value
          i = Math.abs(d) < 0x1p1000 && Math.abs(d) >= 1
              ? new java.math.BigDecimal(d).toBigInteger().add(BigInteger.valueOf(rnd.nextInt(5) - 2))
              : BigInteger.valueOf(rnd.nextLong());
          break;
        case 1:
          i = BigInteger.valueOf(rnd.nextLong());
          break;
        case 2:
          i = BigInteger.valueOf(rnd.nextInt(2001) - 1000);
          break;
        case 3: // up to ~1100 bits: the exact comparison's range
          i = new BigInteger(1 + rnd.nextInt(1100), rnd);
          break;
        default: // up to 16 KiB (the old order's BigDecimal makes these slow to check: fewer)
          i = n % 8 == 0 ? new BigInteger(1 + rnd.nextInt(16 * 1024 * 8), rnd) : new BigInteger(1 + rnd.nextInt(4096), rnd);
          break;
      }
      if (rnd.nextBoolean()) {
        i = i.negate();
      }
      assertSameOrder(integer(i), flt(d));
    }
  }

  private static double randomDouble(Random rnd) {
    switch (rnd.nextInt(4)) {
      case 0:
        return EDGE_FLOATS[rnd.nextInt(EDGE_FLOATS.length)];
      case 1: // any finite bit pattern: every binade, subnormals included
        while (true) {
          double d = Double.longBitsToDouble(rnd.nextLong());
          if (Double.isFinite(d)) {
            return d;
          }
        }
      case 2: // integers and halves near 2^53 and 2^63
        return (rnd.nextBoolean() ? 0x1p53 : 0x1p63) * (rnd.nextBoolean() ? 1 : -1) + (rnd.nextInt(9) - 4) * 0.5 * (rnd.nextBoolean() ? 1 : 4096);
      default:
        return (rnd.nextDouble() - 0.5) * Math.pow(2, rnd.nextInt(140) - 20);
    }
  }

  @Test
  void integersAndFloatsAmongThemselves() {
    Random rnd = new Random(7);
    for (int n = 0; n < 20_000; n++) {
      assertSameOrder(flt(randomDouble(rnd)), flt(randomDouble(rnd)));
      BigInteger x = EDGE_INTS[rnd.nextInt(EDGE_INTS.length)];
      BigInteger y = rnd.nextBoolean() ? EDGE_INTS[rnd.nextInt(EDGE_INTS.length)] : x.add(BigInteger.valueOf(rnd.nextInt(3) - 1));
      assertSameOrder(integer(x), integer(y));
    }
  }

  /** Random terms of every kind, numbers mixed in at every level. */
  @Test
  void randomTermsOrderAsBefore() {
    RandomTerms gen = new RandomTerms(20261202L, true);
    for (int n = 0; n < 2_000; n++) {
      assertSameOrder(gen.term(3), gen.term(3));
    }
  }

  /**
   * Maps of equal size whose keys or values differ in one or more places: what decides is the
   * smallest differing key (in map key order), which the new order finds without sorting.
   */
  @Test
  void mapsOfEqualSizeOrderAsBefore() {
    RandomTerms gen = new RandomTerms(99L, true);
    Random rnd = gen.random();
    for (int n = 0; n < 1_500; n++) {
      LinkedHashMap<Term, Term> a = new LinkedHashMap<>();
      int size = 1 + rnd.nextInt(40);
      while (a.size() < size) {
        a.put(smallKey(gen, rnd), smallValue(gen, rnd));
      }
      List<Term> keys = new ArrayList<>(a.keySet());
      LinkedHashMap<Term, Term> b = new LinkedHashMap<>(a);
      int changes = 1 + rnd.nextInt(3);
      for (int c = 0; c < changes; c++) {
        Term k = keys.get(rnd.nextInt(keys.size()));
        if (rnd.nextBoolean()) {
          b.put(k, smallValue(gen, rnd)); // a value changes
        } else if (b.containsKey(k)) {
          Term v = b.remove(k); // a key is replaced by another
          Term k2 = smallKey(gen, rnd);
          if (b.containsKey(k2)) {
            b.put(k, v);
          } else {
            b.put(k2, v);
          }
        }
      }
      // Rebuild b in a shuffled insertion order: iteration order must not matter.
      List<Map.Entry<Term, Term>> entries = new ArrayList<>(b.entrySet());
      java.util.Collections.shuffle(entries, rnd);
      LinkedHashMap<Term, Term> shuffled = new LinkedHashMap<>();
      entries.forEach(e -> shuffled.put(e.getKey(), e.getValue()));
      assertSameOrder(ErlMap.of(a), ErlMap.of(shuffled));
      assertSameOrder(ErlMap.of(a), ErlMap.of(a));
    }
  }

  /** Keys drawn from a small space, so maps often share keys; 1 and 1.0 are distinct keys. */
  private static Term smallKey(RandomTerms gen, Random rnd) {
    switch (rnd.nextInt(5)) {
      case 0:
        return integer(rnd.nextInt(30));
      case 1:
        return flt(rnd.nextInt(30));
      case 2:
        return atom("k" + rnd.nextInt(30));
      case 3:
        return Terms.tuple(integer(rnd.nextInt(5)), flt(rnd.nextInt(5)));
      default:
        return gen.term(1);
    }
  }

  private static Term smallValue(RandomTerms gen, Random rnd) {
    switch (rnd.nextInt(3)) {
      case 0:
        return integer(rnd.nextInt(4));
      case 1:
        return flt(rnd.nextInt(4)); // equal to the integer under STANDARD, not under EXACT
      default:
        return gen.term(1);
    }
  }
}
