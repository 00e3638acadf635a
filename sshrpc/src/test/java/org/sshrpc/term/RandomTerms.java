package org.sshrpc.term;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded generator of random terms for property, differential and fuzz tests: every term kind
 * the encoder writes, with a bias towards the edges of each tag choice (255/256, 2^31, 2^63,
 * Latin-1 versus UTF-8 atoms, 32/33-key maps). Reproducible: same seed, same terms.
 */
final class RandomTerms {
  private final Random rnd;
  /** When false, maps stay at 32 keys or fewer, so OTP's encoding is byte-comparable. */
  private final boolean largeMaps;

  RandomTerms(long seed, boolean largeMaps) {
    this.rnd = new Random(seed);
    this.largeMaps = largeMaps;
  }

  Random random() {
    return rnd;
  }

  Term term(int depth) {
    return term(depth, false);
  }

  /** {@code inKey}: avoid -0.0, which OTP 25 treats as the same map key as 0.0. */
  private Term term(int depth, boolean inKey) {
    int kind = rnd.nextInt(depth <= 0 ? 7 : 12);
    switch (kind) {
      case 0:
      case 1:
        return integer();
      case 2:
        return flt(inKey);
      case 3:
        return atom();
      case 4:
        return binaryOrBits();
      case 5:
        return identifier();
      case 6:
        return rnd.nextInt(4) == 0 ? ErlList.NIL : byteList(rnd.nextInt(8) == 0 ? 300 : 20);
      case 7:
      case 8:
        return tuple(depth, inKey);
      case 9:
      case 10:
        return list(depth, inKey);
      default:
        return map(depth, inKey);
    }
  }

  ErlInteger integer() {
    switch (rnd.nextInt(8)) {
      case 0:
        return ErlInteger.of(rnd.nextInt(256));
      case 1:
        return ErlInteger.of(edge(new long[] {255, 256, -1, -256, Integer.MAX_VALUE, Integer.MIN_VALUE,
            1L << 31, -(1L << 31) - 1, 1L << 27, -(1L << 27), Long.MAX_VALUE, Long.MIN_VALUE, 0}));
      case 2:
        return ErlInteger.of(rnd.nextInt());
      case 3:
        return ErlInteger.of(rnd.nextLong());
      case 4:
        return ErlInteger.of(new BigInteger(1 + rnd.nextInt(300), rnd).multiply(BigInteger.valueOf(rnd.nextBoolean() ? 1 : -1)));
      case 5:
        return ErlInteger.of(BigInteger.ONE.shiftLeft(rnd.nextInt(2100)).add(BigInteger.valueOf(rnd.nextInt(3) - 1)).multiply(BigInteger.valueOf(rnd.nextBoolean() ? 1 : -1)));
      default:
        return ErlInteger.of(rnd.nextInt(2000) - 1000);
    }
  }

  private long edge(long[] values) {
    return values[rnd.nextInt(values.length)];
  }

  ErlFloat flt(boolean inKey) {
    double d;
    switch (rnd.nextInt(4)) {
      case 0:
        d = inKey ? 0.0 : (rnd.nextBoolean() ? 0.0 : -0.0);
        break;
      case 1:
        d = rnd.nextInt(1000) / 8.0;
        break;
      default:
        do {
          d = Double.longBitsToDouble(rnd.nextLong());
        } while (Double.isNaN(d) || Double.isInfinite(d) || (inKey && d == 0.0));
    }
    return ErlFloat.of(d);
  }

  ErlAtom atom() {
    int n;
    switch (rnd.nextInt(10)) {
      case 0:
        n = 0;
        break;
      case 1:
        n = 255;
        break;
      default:
        n = 1 + rnd.nextInt(12);
    }
    StringBuilder sb = new StringBuilder();
    int alphabet = rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      switch (alphabet) {
        case 0:
        case 1:
          sb.append((char) ('a' + rnd.nextInt(26)));
          break;
        case 2:
          sb.append((char) (0xC0 + rnd.nextInt(64))); // Latin-1
          break;
        default:
          int[] cps = {0x4E2D, 0x1F600, 0x3B1, 'x', 0xE9};
          sb.appendCodePoint(cps[rnd.nextInt(cps.length)]);
      }
    }
    return ErlAtom.of(sb.toString());
  }

  Term binaryOrBits() {
    int n = rnd.nextInt(8) == 0 ? rnd.nextInt(3000) : rnd.nextInt(16);
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    if (n > 0 && rnd.nextInt(4) == 0) {
      return ErlBitstring.of(b, 1 + rnd.nextInt(7));
    }
    return ErlBinary.of(b);
  }

  Term identifier() {
    ErlAtom node = ErlAtom.of(rnd.nextBoolean() ? "n1@host" : "other@127.0.0.1");
    long creation = rnd.nextInt() & 0xFFFFFFFFL;
    switch (rnd.nextInt(4)) {
      case 0:
        return ErlPid.of(node, rnd.nextInt(1 << 15), rnd.nextInt(1 << 13), creation);
      case 1:
        return ErlRef.of(node, creation, rnd.nextInt(1 << 18), rnd.nextInt(), rnd.nextInt());
      case 2:
        return ErlPort.of(node, rnd.nextInt(1 << 28), creation);
      default:
        return ErlExportFun.of(atom(), atom(), rnd.nextInt(256));
    }
  }

  ErlList byteList(int maxLen) {
    int n = rnd.nextInt(maxLen + 1);
    Term[] e = new Term[n];
    for (int i = 0; i < n; i++) {
      e[i] = ErlInteger.of(rnd.nextInt(256));
    }
    return ErlList.of(e);
  }

  private int size() {
    return rnd.nextInt(16) == 0 ? 250 + rnd.nextInt(10) : rnd.nextInt(6);
  }

  Term tuple(int depth, boolean inKey) {
    int n = size();
    Term[] e = new Term[n];
    for (int i = 0; i < n; i++) {
      e[i] = term(i < 8 ? depth - 1 : 0, inKey);
    }
    return ErlTuple.of(e);
  }

  Term list(int depth, boolean inKey) {
    int n = 1 + size();
    List<Term> e = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      e.add(term(i < 8 ? depth - 1 : 0, inKey));
    }
    if (rnd.nextInt(5) == 0) {
      Term tail = term(0, inKey);
      return ErlList.improper(e, tail);
    }
    return ErlList.of(e);
  }

  Term map(int depth, boolean inKey) {
    int n = rnd.nextInt(10) == 0 ? (largeMaps ? 30 + rnd.nextInt(40) : 28 + rnd.nextInt(5)) : rnd.nextInt(6);
    Map<Term, Term> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(term(Math.min(1, depth - 1), true), term(i < 6 ? depth - 1 : 0, inKey));
    }
    return ErlMap.of(m);
  }

  /** True if the term holds a map of more than 32 keys (OTP writes those in hash order). */
  static boolean hasLargeMap(Term t) {
    if (t instanceof ErlMap) {
      ErlMap m = (ErlMap) t;
      if (m.size() > 32) {
        return true;
      }
      for (Map.Entry<Term, Term> e : m.entries().entrySet()) {
        if (hasLargeMap(e.getKey()) || hasLargeMap(e.getValue())) {
          return true;
        }
      }
    } else if (t instanceof ErlTuple) {
      for (Term e : ((ErlTuple) t).elements()) {
        if (hasLargeMap(e)) {
          return true;
        }
      }
    } else if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      for (Term e : l.elements()) {
        if (hasLargeMap(e)) {
          return true;
        }
      }
      return l.tail() != null && hasLargeMap(l.tail());
    }
    return false;
  }
}
