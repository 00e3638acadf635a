package org.sshrpc.term;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

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
    return binaryOrBits(rnd.nextInt(8) == 0 ? rnd.nextInt(3000) : rnd.nextInt(16));
  }

  /** A binary of {@code n} random bytes, or one time in four (if {@code n > 0}) a bitstring. */
  Term binaryOrBits(int n) {
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

  // ---- Terms for the printer and parser (TermSyntaxPropertiesTest, TermSyntaxErlIT) ----
  // Kept apart from term() so the codec tests' seeds keep producing the same terms.

  private static final double[] SPECIAL_FLOATS = {
    0.0, -0.0, 1.0e10, 1.0e-5, 0.1, Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL, -1.5,
    1.0e22, 1.0e21, 123456789.0
  };

  private static final String[] SYNTAX_ATOMS = {
    "ok", "error", "true", "case", "end", "fun", "maybe", "else", "a@b", "Ab", "", "_", "a b", "'",
    "\\", "\"", "é", "a.b", "a-b", "a\nb", "\0", "日本", "It's", "x\u007F", "ok9"
  };

  /** Characters the printer must escape or quote, and code points at encoding edges. */
  private static final int[] TRICKY_CHARS = {
    ' ', '\n', '\t', '\r', 0x1B, '"', '\\', '\'', '$', '#', '.', 0x7F, 0x80, 0x9F, 0xA0, 0xE9,
    0x42F, 0x65E5, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF
  };

  /**
   * A term of every kind {@link TermPrinter} and {@link TermParser} support, nested up to {@code
   * depth} levels, biased towards what the printer must quote or escape. {@code erlangSafe} keeps
   * to values a real OTP 25 node reads back as the same term: no {@code 0.0}/{@code -0.0} inside
   * map keys (OTP 25 treats them as the same key), and pid/ref/port fields within what OTP stores.
   */
  Term syntaxTerm(int depth, boolean erlangSafe) {
    return syntaxTerm(depth, erlangSafe, false);
  }

  private Term syntaxTerm(int depth, boolean erlangSafe, boolean inKey) {
    boolean keySafe = erlangSafe && inKey;
    if (depth <= 0 || rnd.nextInt(10) < 6) {
      return syntaxLeaf(erlangSafe, keySafe);
    }
    int n = rnd.nextInt(20) == 0 ? 20 + rnd.nextInt(20) : rnd.nextInt(6);
    switch (rnd.nextInt(4)) {
      case 0:
        {
          Term[] e = new Term[n];
          for (int i = 0; i < n; i++) {
            e[i] = syntaxTerm(i < 6 ? depth - 1 : 0, erlangSafe, inKey);
          }
          return ErlTuple.of(e);
        }
      case 1:
        {
          List<Term> e = new ArrayList<>(n + 1);
          for (int i = 0; i < n; i++) {
            e.add(syntaxTerm(i < 6 ? depth - 1 : 0, erlangSafe, inKey));
          }
          if (rnd.nextInt(3) > 0) {
            return ErlList.of(e);
          }
          e.add(syntaxTerm(depth - 1, erlangSafe, inKey)); // at least one element before the tail
          return ErlList.improper(e, syntaxLeaf(erlangSafe, keySafe));
        }
      default:
        {
          Map<Term, Term> m = new LinkedHashMap<>();
          for (int i = 0; i < Math.min(n, 8); i++) {
            m.put(syntaxTerm(depth - 1, erlangSafe, true), syntaxTerm(depth - 1, erlangSafe, inKey));
          }
          return ErlMap.of(m);
        }
    }
  }

  private Term syntaxLeaf(boolean erlangSafe, boolean inKey) {
    switch (rnd.nextInt(20)) {
      case 0:
      case 1:
      case 2:
        return integer();
      case 3:
        {
          double d = SPECIAL_FLOATS[rnd.nextInt(SPECIAL_FLOATS.length)];
          return inKey && d == 0.0 ? flt(true) : ErlFloat.of(d);
        }
      case 4:
        return flt(inKey);
      case 5:
      case 6:
        return syntaxAtom();
      case 7:
        return atom();
      case 8:
      case 9:
        return Terms.string(text(12));
      case 10:
        return codePointList(6);
      case 11:
      case 12:
        return binaryOrBits(rnd.nextInt(50) == 0 ? rnd.nextInt(300) : rnd.nextInt(16));
      case 13:
      case 14:
        return ErlBinary.utf8(text(12));
      case 15:
        return ErlExportFun.of(syntaxAtom(), syntaxAtom(), rnd.nextInt(256));
      case 16:
        return erlangSafe ? identifier() : wideIdentifier();
      case 17:
        return byteList(20);
      default:
        return ErlList.NIL;
    }
  }

  /** An atom from the printer's edge cases (reserved words, quotes, escapes) or of random text. */
  ErlAtom syntaxAtom() {
    return rnd.nextBoolean()
        ? ErlAtom.of(SYNTAX_ATOMS[rnd.nextInt(SYNTAX_ATOMS.length)])
        : ErlAtom.of(text(12));
  }

  /**
   * Random text of up to {@code maxCodePoints} code points (never a lone surrogate): printable and
   * control ASCII, characters the printer must escape, or any Unicode scalar value.
   */
  String text(int maxCodePoints) {
    int n = rnd.nextInt(maxCodePoints + 1);
    int alphabet = rnd.nextInt(3);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      switch (alphabet) {
        case 0:
          sb.append((char) rnd.nextInt(128));
          break;
        case 1:
          sb.appendCodePoint(
              rnd.nextBoolean()
                  ? TRICKY_CHARS[rnd.nextInt(TRICKY_CHARS.length)]
                  : 'a' + rnd.nextInt(26));
          break;
        default:
          int cp;
          do {
            cp = rnd.nextInt(0x110000);
          } while (cp >= 0xD800 && cp <= 0xDFFF);
          sb.appendCodePoint(cp);
      }
    }
    return sb.toString();
  }

  /** A list of integers 0..0x10FFFF, surrogates included: a string Erlang may or may not print. */
  private Term codePointList(int maxLen) {
    Term[] e = new Term[rnd.nextInt(maxLen + 1)];
    for (int i = 0; i < e.length; i++) {
      e[i] = ErlInteger.of(rnd.nextBoolean() ? rnd.nextInt(0x110000) : TRICKY_CHARS[rnd.nextInt(TRICKY_CHARS.length)]);
    }
    return ErlList.of(e);
  }

  /** A pid, reference or port with fields anywhere in their unsigned 32-bit (port: 63-bit) range. */
  private Term wideIdentifier() {
    ErlAtom node = ErlAtom.of(rnd.nextBoolean() ? "nonode@nohost" : "sshrpc@host.example");
    long creation = rnd.nextInt() & 0xFFFFFFFFL;
    switch (rnd.nextInt(3)) {
      case 0:
        return ErlPid.of(node, rnd.nextInt() & 0xFFFFFFFFL, rnd.nextInt() & 0xFFFFFFFFL, creation);
      case 1:
        int[] ids = new int[1 + rnd.nextInt(5)];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = rnd.nextInt();
        }
        return ErlRef.of(node, creation, ids);
      default:
        return ErlPort.of(node, rnd.nextLong() & Long.MAX_VALUE, creation);
    }
  }

  /** True if the term holds a map of more than 32 keys (OTP writes those in hash order). */
  static boolean hasLargeMap(Term t) {
    return anyMatch(t, x -> x instanceof ErlMap && ((ErlMap) x).size() > 32);
  }

  /** True if {@code t} or any term inside it (elements, tail, keys, values) satisfies {@code p}. */
  static boolean anyMatch(Term t, Predicate<Term> p) {
    if (p.test(t)) {
      return true;
    }
    if (t instanceof ErlTuple) {
      return ((ErlTuple) t).elements().stream().anyMatch(x -> anyMatch(x, p));
    }
    if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      return l.elements().stream().anyMatch(x -> anyMatch(x, p)) || (l.tail() != null && anyMatch(l.tail(), p));
    }
    if (t instanceof ErlMap) {
      return ((ErlMap) t).entries().entrySet().stream()
          .anyMatch(e -> anyMatch(e.getKey(), p) || anyMatch(e.getValue(), p));
    }
    return false;
  }
}
