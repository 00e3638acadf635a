package org.sshrpc.server;

import java.util.ArrayList;
import java.util.List;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlBitstring;
import org.sshrpc.term.ErlFun;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;

/**
 * Bounded walks over a term: its work in element-steps, for {@link RpcModule.CostEstimator}s,
 * and an upper bound of its encoded size. Both go depth-first without recursion (a decoded term
 * may be nested thousands deep) and stop as soon as the total passes the budget, so each costs
 * O(budget) whatever the size of the term.
 */
final class TermMeasure {
  private static final TermEncoder UTF8_ATOMS = TermEncoder.builder().utf8Atoms(true).build();

  private TermMeasure() {}

  /**
   * The steps of walking {@code t}: one per node, plus one per 64-bit word of a big integer and
   * per 256 bytes of a binary, bitstring or fun; an integer wider than {@link
   * Builtins#INLINE_MAX_INTEGER_BITS} alone weighs more than {@link RpcModule#INLINE_MAX_STEPS}. Returns
   * a value above {@code budget} as soon as the total is known to be above it.
   */
  static long steps(Term t, long budget) {
    return walk(t, budget, false);
  }

  /**
   * An upper bound of {@code TermEncoder.encodedSize(t)} (version byte included) under either
   * atom encoding: exact except that a list of bytes is counted as a LIST_EXT (an encoder may
   * write it as the smaller STRING_EXT). Returns a value above {@code limit} as soon as the
   * bound is known to be above it.
   */
  static long encodedSize(Term t, long limit) {
    return 1 + walk(t, limit - 1, true);
  }

  private static long walk(Term root, long budget, boolean bytes) {
    long total = 0;
    java.util.ArrayDeque<java.util.Iterator<Term>> stack = null;
    Term t = root;
    while (true) {
      long kids;
      if (t instanceof ErlList l) {
        kids = l.size() + (l.isProper() ? 0 : 1);
        // LIST_EXT: tag and 4-byte length, the elements, then NIL_EXT or the improper tail.
        total += !bytes ? 1 : l.isEmpty() ? 1 : l.isProper() ? 6 : 5;
      } else if (t instanceof ErlTuple tu) {
        kids = tu.arity();
        total += !bytes ? 1 : kids < 256 ? 2 : 5;
      } else if (t instanceof ErlMap m) {
        kids = 2L * m.size();
        total += !bytes ? 1 : 5;
      } else {
        kids = 0;
        total += bytes ? leafSize(t) : leafSteps(t);
      }
      // Every element adds at least 1 (NIL_EXT is the smallest encoding): a container with
      // more elements than the budget left is over it without being walked.
      if (total + kids > budget) {
        return total + kids;
      }
      if (kids > 0) {
        if (stack == null) {
          stack = new java.util.ArrayDeque<>();
        }
        stack.push(children(t));
      }
      t = null;
      while (stack != null && !stack.isEmpty()) {
        java.util.Iterator<Term> it = stack.peek();
        if (it.hasNext()) {
          t = it.next();
          break;
        }
        stack.pop();
      }
      if (t == null) {
        return total;
      }
    }
  }

  private static java.util.Iterator<Term> children(Term t) {
    if (t instanceof ErlList l) {
      if (l.isProper()) {
        return l.elements().iterator();
      }
      List<Term> all = new ArrayList<>(l.size() + 1);
      all.addAll(l.elements());
      all.add(l.tail());
      return all.iterator();
    }
    if (t instanceof ErlTuple tu) {
      return tu.elements().iterator();
    }
    java.util.Iterator<java.util.Map.Entry<Term, Term>> entries = ((ErlMap) t).entries().entrySet().iterator();
    return new java.util.Iterator<>() {
      private Term value;

      @Override
      public boolean hasNext() {
        return value != null || entries.hasNext();
      }

      @Override
      public Term next() {
        if (value != null) {
          Term v = value;
          value = null;
          return v;
        }
        java.util.Map.Entry<Term, Term> e = entries.next();
        value = e.getValue();
        return e.getKey();
      }
    };
  }

  /** A leaf's encoded size without the version byte, the larger of the two atom encodings. */
  private static long leafSize(Term t) {
    return Math.max(TermEncoder.DEFAULT.encodedSize(t), UTF8_ATOMS.encodedSize(t)) - 1;
  }

  private static long leafSteps(Term t) {
    if (t instanceof ErlInteger i) {
      if (i.isLong()) {
        return 1;
      }
      int bits = i.bigValue().bitLength();
      return bits > Builtins.INLINE_MAX_INTEGER_BITS ? RpcModule.INLINE_MAX_STEPS + 1 : 1 + (bits + 63) / 64;
    }
    if (t instanceof ErlBinary b) {
      return 1 + b.size() / 256;
    }
    if (t instanceof ErlBitstring || t instanceof ErlFun) {
      return 1 + TermEncoder.DEFAULT.encodedSize(t) / 256;
    }
    return 1;
  }
}
