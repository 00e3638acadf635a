package org.sshrpc.term;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** An Erlang tuple: a fixed-size, ordered group of terms. */
public final class ErlTuple implements Term, Comparable<ErlTuple> {
  static final ErlTuple EMPTY = new ErlTuple(new Term[0]);

  private final Term[] elements;

  /** Takes ownership of {@code elements}; callers inside the package must not keep it. */
  ErlTuple(Term[] elements) {
    this.elements = elements;
  }

  public static ErlTuple of(Term... elements) {
    if (elements.length == 0) {
      return EMPTY;
    }
    Term[] copy = elements.clone();
    for (Term t : copy) {
      if (t == null) {
        throw new NullPointerException("tuple element");
      }
    }
    return new ErlTuple(copy);
  }

  public static ErlTuple of(List<? extends Term> elements) {
    return of(elements.toArray(new Term[0]));
  }

  public int arity() {
    return elements.length;
  }

  /** Returns the element at zero-based {@code index}. */
  public Term get(int index) {
    return elements[index];
  }

  /** An unmodifiable view of the elements. */
  public List<Term> elements() {
    return Collections.unmodifiableList(Arrays.asList(elements));
  }

  /** True if this tuple has {@code arity} elements and its first element is the atom {@code tag}. */
  public boolean isTagged(String tag, int arity) {
    return elements.length == arity
        && arity > 0
        && elements[0] instanceof ErlAtom
        && ((ErlAtom) elements[0]).name().equals(tag);
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlTuple other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof ErlTuple && Arrays.equals(((ErlTuple) o).elements, elements));
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(elements);
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
