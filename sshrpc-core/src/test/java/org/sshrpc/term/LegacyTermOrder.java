package org.sshrpc.term;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The term order as it was before issue 10 (numbers compared through {@code BigDecimal}, map keys
 * sorted on every comparison): kept only as the oracle the new {@link TermOrder} is checked
 * against. Erlang's term order as a {@link Comparator}: number &lt; atom &lt; reference &lt; fun &lt; port
 * &lt; pid &lt; tuple &lt; map &lt; nil &lt; list &lt; bit string.
 *
 * <p>{@link #STANDARD} is the order of Erlang's {@code <} and {@code ==}: integers and floats
 * compare by value, so {@code 1} and {@code 1.0} compare equal. {@link #EXACT} is the order of
 * map keys (and what {@code term_to_binary} uses to lay out small maps): every integer sorts
 * before every float at any nesting level, so it is consistent with {@link Term#equals}.
 */
final class LegacyTermOrder implements Comparator<Term> {
  /** The order of Erlang's comparison operators; {@code 1} and {@code 1.0} compare equal. */
  static final LegacyTermOrder STANDARD = new LegacyTermOrder(false);

  /** Map key order: integers before floats; consistent with {@code equals}. */
  static final LegacyTermOrder EXACT = new LegacyTermOrder(true);

  private final boolean exact;

  private LegacyTermOrder(boolean exact) {
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
    return toDecimal(a).compareTo(toDecimal(b));
  }

  private static BigDecimal toDecimal(Term t) {
    return t instanceof ErlInteger
        ? new BigDecimal(((ErlInteger) t).bigValue())
        : new BigDecimal(((ErlFloat) t).value());
  }

  private static int compareIntegers(ErlInteger a, ErlInteger b) {
    if (a.isLong() && b.isLong()) {
      return Long.compare(a.longValue(), b.longValue());
    }
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

  private int compareMaps(ErlMap a, ErlMap b) {
    if (a.size() != b.size()) {
      return Integer.compare(a.size(), b.size());
    }
    // Keys in map key order first, then values in key order (as erts does).
    List<Term> ka = sortedKeys(a);
    List<Term> kb = sortedKeys(b);
    for (int i = 0; i < ka.size(); i++) {
      int c = EXACT.compare(ka.get(i), kb.get(i));
      if (c != 0) {
        return c;
      }
    }
    for (int i = 0; i < ka.size(); i++) {
      int c = compare(a.get(ka.get(i)), b.get(kb.get(i)));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  static List<Term> sortedKeys(ErlMap m) {
    List<Term> keys = new ArrayList<>(m.size());
    for (Map.Entry<Term, Term> e : m.entries().entrySet()) {
      keys.add(e.getKey());
    }
    keys.sort(EXACT);
    return keys;
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
