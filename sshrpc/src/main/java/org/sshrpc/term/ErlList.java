package org.sshrpc.term;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * An Erlang list: proper ({@code [a, b]}), empty ({@code []}, see {@link #NIL}) or improper
 * ({@code [a | b]}, where the tail is not a list).
 *
 * <p>The representation is flat: the elements plus, for an improper list, the final tail. A tail
 * that is itself a list is spliced in, so equal lists are equal however they were built.
 */
public final class ErlList implements Term, Comparable<ErlList> {
  /** The empty list {@code []}. */
  public static final ErlList NIL = new ErlList(new Term[0], null);

  private final Term[] elements;
  private final Term tail; // null for a proper list; never an ErlList

  /** Takes ownership of {@code elements}; tail must be null or a non-list term. */
  ErlList(Term[] elements, Term tail) {
    this.elements = elements;
    this.tail = tail;
  }

  /** A proper list of these elements. */
  public static ErlList of(Term... elements) {
    return elements.length == 0 ? NIL : new ErlList(checked(elements.clone()), null);
  }

  /** A proper list of these elements. */
  public static ErlList of(List<? extends Term> elements) {
    return elements.isEmpty() ? NIL : new ErlList(checked(elements.toArray(new Term[0])), null);
  }

  /**
   * A list of {@code elements} ending in {@code tail}: improper when the tail is not a list, and
   * equal to the flattened proper list when it is.
   *
   * @throws IllegalArgumentException if {@code elements} is empty and tail is not a list (that is
   *     not a list at all)
   */
  public static ErlList improper(List<? extends Term> elements, Term tail) {
    Term[] head = checked(elements.toArray(new Term[0]));
    if (tail instanceof ErlList) {
      ErlList t = (ErlList) tail;
      Term[] all = Arrays.copyOf(head, head.length + t.elements.length);
      System.arraycopy(t.elements, 0, all, head.length, t.elements.length);
      return all.length == 0 && t.tail == null ? NIL : new ErlList(all, t.tail);
    }
    if (head.length == 0) {
      throw new IllegalArgumentException("an improper list needs at least one element before its tail");
    }
    if (tail == null) {
      throw new NullPointerException("tail");
    }
    return new ErlList(head, tail);
  }

  private static Term[] checked(Term[] elements) {
    for (Term t : elements) {
      if (t == null) {
        throw new NullPointerException("list element");
      }
    }
    return elements;
  }

  public boolean isEmpty() {
    return elements.length == 0;
  }

  /** True unless the list ends in a non-list tail. */
  public boolean isProper() {
    return tail == null;
  }

  /** Number of elements before the tail. */
  public int size() {
    return elements.length;
  }

  public Term get(int index) {
    return elements[index];
  }

  /** An unmodifiable view of the elements (without an improper tail). */
  public List<Term> elements() {
    return Collections.unmodifiableList(Arrays.asList(elements));
  }

  /** The improper tail, or {@code null} for a proper list. */
  public Term tail() {
    return tail;
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlList other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ErlList)) {
      return false;
    }
    ErlList other = (ErlList) o;
    return Arrays.equals(elements, other.elements) && java.util.Objects.equals(tail, other.tail);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(elements) * 31 + (tail == null ? 0 : tail.hashCode());
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
