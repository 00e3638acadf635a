package org.sshrpc.term;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;

/**
 * Erlang's term order as a {@link Comparator}: number &lt; atom &lt; reference &lt; fun &lt; port
 * &lt; pid &lt; tuple &lt; map &lt; nil &lt; list &lt; bit string.
 *
 * <p>{@link #STANDARD} is the order of Erlang's {@code <} and {@code ==}: integers and floats
 * compare by value, so {@code 1} and {@code 1.0} compare equal. {@link #EXACT} is the order of
 * map keys (and what {@code term_to_binary} uses to lay out small maps): every integer sorts
 * before every float at any nesting level, so it is consistent with the terms' {@code equals}.
 *
 * <p>Every comparison costs O(size of the smaller operand) (for maps, expected: one hash lookup
 * per key), so sorting or taking the maximum of terms a peer sent cannot be made superlinear per
 * comparison: integers and floats compare by sign and binade before any exact arithmetic (at most
 * 1,024 bits), and maps without sorting their keys. See {@code docs/codec.md} ("Term order
 * costs"). Recursion follows the terms' nesting, which the decoder bounds ({@link
 * TermLimits#maxDepth()}).
 */
public final class TermOrder implements Comparator<Term> {
  /** The order of Erlang's comparison operators; {@code 1} and {@code 1.0} compare equal. */
  public static final TermOrder STANDARD = new TermOrder(false);

  /** Map key order: integers before floats; consistent with {@code equals}. */
  public static final TermOrder EXACT = new TermOrder(true);

  private final boolean exact;

  private TermOrder(boolean exact) {
    this.exact = exact;
  }

  @Override
  public int compare(Term a, Term b) {
    if (a == b) {
      return 0;
    }
    int ra = rank(a);
    int rb = rank(b);
    if (ra != rb) {
      if (ra == NUMBER_INT && rb == NUMBER_FLOAT || ra == NUMBER_FLOAT && rb == NUMBER_INT) {
        return compareMixed(a, b);
      }
      return Integer.compare(ra, rb);
    }
    switch (ra) {
      case NUMBER_INT:
        return compareIntegers((ErlInteger) a, (ErlInteger) b);
      case NUMBER_FLOAT:
        return compareFloats(((ErlFloat) a).value(), ((ErlFloat) b).value());
      case ATOM:
        return compareAtoms((ErlAtom) a, (ErlAtom) b);
      case REF:
        return compareRefs((ErlRef) a, (ErlRef) b);
      case FUN:
        return compareFuns(a, b);
      case PORT:
        return comparePorts((ErlPort) a, (ErlPort) b);
      case PID:
        return comparePids((ErlPid) a, (ErlPid) b);
      case TUPLE:
        return compareTuples((ErlTuple) a, (ErlTuple) b);
      case MAP:
        return compareMaps((ErlMap) a, (ErlMap) b);
      case NIL:
        return 0;
      case LIST:
        return compareLists((ErlList) a, (ErlList) b);
      case BITS:
        return compareBits(a, b);
      default:
        throw new AssertionError(ra);
    }
  }

  private static final int NUMBER_INT = 0;
  private static final int NUMBER_FLOAT = 1;
  private static final int ATOM = 2;
  private static final int REF = 3;
  private static final int FUN = 4;
  private static final int PORT = 5;
  private static final int PID = 6;
  private static final int TUPLE = 7;
  private static final int MAP = 8;
  private static final int NIL = 9;
  private static final int LIST = 10;
  private static final int BITS = 11;

  private static int rank(Term t) {
    if (t instanceof ErlInteger) {
      return NUMBER_INT;
    } else if (t instanceof ErlAtom) {
      return ATOM;
    } else if (t instanceof ErlTuple) {
      return TUPLE;
    } else if (t instanceof ErlList) {
      return ((ErlList) t).isEmpty() ? NIL : LIST;
    } else if (t instanceof ErlBinary || t instanceof ErlBitstring) {
      return BITS;
    } else if (t instanceof ErlFloat) {
      return NUMBER_FLOAT;
    } else if (t instanceof ErlMap) {
      return MAP;
    } else if (t instanceof ErlPid) {
      return PID;
    } else if (t instanceof ErlRef) {
      return REF;
    } else if (t instanceof ErlPort) {
      return PORT;
    } else {
      return FUN; // ErlFun, ErlExportFun
    }
  }

  private int compareMixed(Term a, Term b) {
    if (exact) {
      // Map key order: all integers before all floats, whatever their values.
      return a instanceof ErlInteger ? -1 : 1;
    }
    return a instanceof ErlInteger
        ? compareIntegerWithFloat((ErlInteger) a, ((ErlFloat) b).value())
        : -compareIntegerWithFloat((ErlInteger) b, ((ErlFloat) a).value());
  }

  /** 2^63 as a double: the first double above every long. */
  private static final double TWO_63 = 0x1p63;

  /**
   * Compares an integer with a float by exact value, as erts does, without building a decimal: by
   * sign and magnitude first, and only when both are in the same binade by an exact integer
   * comparison with the float's value, which has at most 1024 bits. So the cost is O(1) for a long
   * and at most O(1024 bits) for any bignum, however large (a {@code BigDecimal} conversion of a
   * 16 KiB bignum took about a millisecond per comparison).
   */
  static int compareIntegerWithFloat(ErlInteger i, double d) {
    if (i.isLong()) {
      return compareLongWithFloat(i.longValue(), d);
    }
    // |i| >= 2^63 here (a long holds everything below).
    BigInteger big = i.bigValue();
    int si = big.signum();
    if (si > 0 ? d < TWO_63 : d >= -TWO_63) {
      return si; // different signs, or |d| < 2^63 <= |i|
    }
    // Same sign and |d| >= 2^63, so d is an integer: compare magnitudes by binade first.
    // bitLength() of a negative number is that of |i| - 1, so it may be one short of |i|'s:
    // only a difference of two or more binades decides without the exact comparison.
    int bits = big.bitLength();
    int dBits = Math.getExponent(d) + 1; // |d| in [2^(dBits-1), 2^dBits)
    if (bits > dBits + 1) {
      return si; // |i| > |d|
    }
    if (bits + 1 < dBits) {
      return -si;
    }
    return big.compareTo(exactInteger(d));
  }

  /** The exact value of a double that is an integer of magnitude at least 2^52 (at most 1024 bits). */
  private static BigInteger exactInteger(double d) {
    long raw = Double.doubleToRawLongBits(d);
    long mantissa = (raw & 0x000F_FFFF_FFFF_FFFFL) | 0x0010_0000_0000_0000L; // normal: implicit bit
    BigInteger m = BigInteger.valueOf(mantissa).shiftLeft(Math.getExponent(d) - 52);
    return raw < 0 ? m.negate() : m;
  }

  private static int compareLongWithFloat(long v, double d) {
    if (d >= TWO_63) {
      return -1;
    }
    if (d < -TWO_63) {
      return 1;
    }
    // d in [-2^63, 2^63): its integer part t fits a long exactly (truncation toward zero).
    long t = (long) d;
    if (v != t) {
      // t <= d < t + 1 for d >= 0 and t - 1 < d <= t for d < 0, so v and t order as v and d do.
      return Long.compare(v, t);
    }
    // v == t: the fractional part decides. It is 0 when |d| >= 2^52 (d is an integer); otherwise
    // |t| < 2^53, (double) t is exact and so is the subtraction.
    double frac = d - (double) t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0; // -0.0 and 0.0 both equal 0
  }

  private static int compareIntegers(ErlInteger a, ErlInteger b) {
    if (a.isLong() && b.isLong()) {
      return Long.compare(a.longValue(), b.longValue());
    }
    // BigInteger compares signs, then word counts, then words: O(size of the smaller).
    return a.bigValue().compareTo(b.bigValue());
  }

  private int compareFloats(double a, double b) {
    // Double.compare orders -0.0 before 0.0, matching the model's bit-pattern equality.
    return exact ? Double.compare(a, b) : (a < b ? -1 : a > b ? 1 : 0);
  }

  /** Atoms compare by their text in code point order (Erlang compares their UTF-8 bytes). */
  static int compareAtoms(ErlAtom a, ErlAtom b) {
    String x = a.name();
    String y = b.name();
    int n = Math.min(x.length(), y.length());
    for (int i = 0; i < n; i++) {
      char cx = x.charAt(i);
      char cy = y.charAt(i);
      if (cx != cy) {
        // UTF-16 order equals code point order unless a surrogate is involved.
        if (!Character.isSurrogate(cx) && !Character.isSurrogate(cy)) {
          return Integer.compare(cx, cy);
        }
        return Integer.compare(x.codePointAt(i), y.codePointAt(i));
      }
    }
    return Integer.compare(x.length(), y.length());
  }

  private static int compareRefs(ErlRef a, ErlRef b) {
    // As erts: node first, then the id words from the most significant end.
    int c = compareAtoms(a.node(), b.node());
    if (c != 0) {
      return c;
    }
    c = Long.compare(a.creation(), b.creation());
    if (c != 0) {
      return c;
    }
    int[] x = a.ids();
    int[] y = b.ids();
    if (x.length != y.length) {
      return Integer.compare(x.length, y.length);
    }
    for (int i = x.length - 1; i >= 0; i--) {
      if (x[i] != y[i]) {
        return Integer.compareUnsigned(x[i], y[i]);
      }
    }
    return 0;
  }

  private static int compareFuns(Term a, Term b) {
    boolean ea = a instanceof ErlExportFun;
    boolean eb = b instanceof ErlExportFun;
    if (ea != eb) {
      return ea ? 1 : -1; // local funs sort before export funs (OTP 25)
    }
    if (ea) {
      ErlExportFun x = (ErlExportFun) a;
      ErlExportFun y = (ErlExportFun) b;
      int c = compareAtoms(x.module(), y.module());
      if (c == 0) {
        c = compareAtoms(x.function(), y.function());
      }
      return c != 0 ? c : Integer.compare(x.arity(), y.arity());
    }
    return Arrays.compareUnsigned(((ErlFun) a).internalEncoded(), ((ErlFun) b).internalEncoded());
  }

  private static int comparePorts(ErlPort a, ErlPort b) {
    int c = compareAtoms(a.node(), b.node());
    if (c == 0) {
      c = Long.compare(a.creation(), b.creation());
    }
    return c != 0 ? c : Long.compareUnsigned(a.id(), b.id());
  }

  /** As erts (checked against OTP 25): serial, then id, then node, then creation. */
  private static int comparePids(ErlPid a, ErlPid b) {
    int c = Long.compare(a.serial(), b.serial());
    if (c == 0) {
      c = Long.compare(a.id(), b.id());
    }
    if (c == 0) {
      c = compareAtoms(a.node(), b.node());
    }
    return c != 0 ? c : Long.compare(a.creation(), b.creation());
  }

  private int compareTuples(ErlTuple a, ErlTuple b) {
    if (a.arity() != b.arity()) {
      return Integer.compare(a.arity(), b.arity());
    }
    for (int i = 0; i < a.arity(); i++) {
      int c = compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /**
   * Maps compare by size, then by their keys in map key order, then by their values in key order
   * (as erts does). Sorting both key sets on every comparison would cost O(n log n) comparisons;
   * instead this finds the first difference directly, in O(n) expected hash lookups:
   *
   * <ul>
   *   <li>The sorted key lists first differ at the smallest key that is in one map but not the
   *       other (every smaller key is in both or neither, so both lists agree up to it; there the
   *       map holding it has it, and the other map, of the same size, a larger key). So that key
   *       decides: the map that holds it is the smaller.
   *   <li>With equal key sets, the values first differ at the smallest key whose two values
   *       compare unequal, and their comparison decides.
   * </ul>
   *
   * Each map is walked once, every key is looked up once in the other map, and each pair of
   * values is compared once: linear in the size of the smaller map (which has the same number of
   * keys as the other once past the size check).
   */
  private int compareMaps(ErlMap a, ErlMap b) {
    if (a.size() != b.size()) {
      return Integer.compare(a.size(), b.size());
    }
    Map<Term, Term> ea = a.internalEntries();
    Map<Term, Term> eb = b.internalEntries();
    Term onlyIn = null; // smallest key in exactly one map
    int onlySide = 0; // -1 when that key is in a, 1 when in b
    for (Term k : ea.keySet()) {
      if (!eb.containsKey(k) && (onlyIn == null || EXACT.compare(k, onlyIn) < 0)) {
        onlyIn = k;
        onlySide = -1;
      }
    }
    if (onlyIn != null) {
      for (Term k : eb.keySet()) {
        if (!ea.containsKey(k) && EXACT.compare(k, onlyIn) < 0) {
          onlyIn = k;
          onlySide = 1;
        }
      }
      return onlySide;
    }
    // Same keys: the smallest key whose values differ decides.
    Term firstKey = null;
    int result = 0;
    for (Map.Entry<Term, Term> e : ea.entrySet()) {
      Term k = e.getKey();
      if (firstKey != null && EXACT.compare(k, firstKey) > 0) {
        continue; // cannot decide: a smaller key already differs
      }
      int c = compare(e.getValue(), eb.get(k));
      if (c != 0) {
        firstKey = k;
        result = c;
      }
    }
    return result;
  }

  private int compareLists(ErlList a, ErlList b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    if (a.size() == b.size()) {
      return compare(tailOf(a), tailOf(b));
    }
    // One list ran out: its tail ([] or a non-list) is compared with the rest of the other list.
    return a.size() < b.size() ? Integer.compare(rank(tailOf(a)), LIST) : Integer.compare(LIST, rank(tailOf(b)));
  }

  private static Term tailOf(ErlList l) {
    return l.tail() == null ? ErlList.NIL : l.tail();
  }

  private static int compareBits(Term a, Term b) {
    byte[] x = a instanceof ErlBinary ? ((ErlBinary) a).internalBytes() : ((ErlBitstring) a).internalBytes();
    byte[] y = b instanceof ErlBinary ? ((ErlBinary) b).internalBytes() : ((ErlBitstring) b).internalBytes();
    long bx = bitLength(a, x);
    long by = bitLength(b, y);
    // Compare the bits both have; if one is a prefix of the other, the shorter sorts first.
    long common = Math.min(bx, by);
    int full = (int) (common / 8);
    int m = Arrays.mismatch(x, 0, full, y, 0, full);
    if (m >= 0) {
      return Integer.compare(x[m] & 0xFF, y[m] & 0xFF);
    }
    int rest = (int) (common % 8);
    if (rest != 0) {
      int mask = 0xFF << (8 - rest) & 0xFF;
      int c2 = Integer.compare(x[full] & mask, y[full] & mask);
      if (c2 != 0) {
        return c2;
      }
    }
    return Long.compare(bx, by);
  }

  private static long bitLength(Term t, byte[] bytes) {
    return t instanceof ErlBinary ? (long) bytes.length * 8 : ((ErlBitstring) t).bitLength();
  }
}
