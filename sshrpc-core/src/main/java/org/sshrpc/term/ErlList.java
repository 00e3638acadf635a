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

  /** The elements; null for a list decoded from STRING_EXT (see {@link #lazyElements}). */
  private final Term[] elements;
  /**
   * For a list decoded from STRING_EXT, its elements once first needed, built from {@link #bytes}
   * and published whole with a release store (see {@link #LAZY}).
   */
  @SuppressWarnings("unused") // accessed through LAZY
  private Term[] lazyElements;
  /** Non-null only for a proper list of integers 0..255 decoded from STRING_EXT. */
  private final byte[] bytes;
  /**
   * For other lists, the encoder's STRING_EXT form once computed: the bytes, {@link #NOT_BYTES},
   * or null when not yet known; published with a release store (see {@link #CACHE}).
   */
  @SuppressWarnings("unused") // accessed through CACHE
  private byte[] byteStringCache;

  /*
   * Release/acquire rather than volatile: a racing reader must see a filled array, which a release
   * store guarantees, but the full fence of a volatile store (paid on every fresh list a server
   * encodes) is not needed. Constructors write no lazily set field, so building a list is fence-free.
   */
  private static final java.lang.invoke.VarHandle LAZY;
  private static final java.lang.invoke.VarHandle CACHE;

  static {
    try {
      java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
      LAZY = l.findVarHandle(ErlList.class, "lazyElements", Term[].class);
      CACHE = l.findVarHandle(ErlList.class, "byteStringCache", byte[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final byte[] NOT_BYTES = new byte[0];
  private final Term tail; // null for a proper list; never an ErlList

  /** Takes ownership of {@code elements}; tail must be null or a non-list term. */
  ErlList(Term[] elements, Term tail) {
    this.elements = elements;
    this.bytes = null;
    this.tail = tail;
  }

  /**
   * A proper list of the integers in {@code bytes} (0..255), taking ownership of the array: the
   * decoder's STRING_EXT fast path, which allocates one small array instead of an element array.
   */
  private ErlList(byte[] bytes) {
    this.elements = null;
    this.bytes = bytes;
    this.tail = null;
  }

  static ErlList ofByteString(byte[] bytes) {
    return bytes.length == 0 ? NIL : new ErlList(bytes);
  }

  /**
   * The list as STRING_EXT bytes if it is a proper list of 1..65535 integers in 0..255 (what OTP
   * writes as STRING_EXT), else null. Computed once per list; the array is never handed out.
   */
  byte[] internalByteString() {
    if (bytes != null) {
      return bytes;
    }
    byte[] c = (byte[]) CACHE.getAcquire(this);
    if (c == null) {
      c = computeByteString();
      CACHE.setRelease(this, c);
    }
    return c == NOT_BYTES ? null : c;
  }

  private byte[] computeByteString() {
    Term[] e = elements;
    if (tail != null || e.length == 0 || e.length > 65535) {
      return NOT_BYTES;
    }
    byte[] out = new byte[e.length];
    for (int i = 0; i < e.length; i++) {
      if (!(e[i] instanceof ErlInteger)) {
        return NOT_BYTES;
      }
      ErlInteger n = (ErlInteger) e[i];
      if (!n.isLong() || n.longValue() < 0 || n.longValue() > 255) {
        return NOT_BYTES;
      }
      out[i] = (byte) n.longValue();
    }
    return out;
  }

  private Term[] elems() {
    if (elements != null) {
      return elements;
    }
    Term[] e = (Term[]) LAZY.getAcquire(this);
    if (e == null) {
      e = new Term[bytes.length];
      for (int i = 0; i < e.length; i++) {
        e[i] = ErlInteger.of(bytes[i] & 0xFF);
      }
      LAZY.setRelease(this, e);
    }
    return e;
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
      Term[] te = t.elems();
      Term[] all = Arrays.copyOf(head, head.length + te.length);
      System.arraycopy(te, 0, all, head.length, te.length);
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
    return size() == 0;
  }

  /** True unless the list ends in a non-list tail. */
  public boolean isProper() {
    return tail == null;
  }

  /** Number of elements before the tail. */
  public int size() {
    return bytes != null ? bytes.length : elements.length;
  }

  public Term get(int index) {
    return elems()[index];
  }

  /** An unmodifiable view of the elements (without an improper tail). */
  public List<Term> elements() {
    return Collections.unmodifiableList(Arrays.asList(elems()));
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
    if (bytes != null && other.bytes != null) {
      return Arrays.equals(bytes, other.bytes);
    }
    return Arrays.equals(elems(), other.elems()) && java.util.Objects.equals(tail, other.tail);
  }

  @Override
  public int hashCode() {
    if (bytes != null) {
      // Same value as Arrays.hashCode(elems()): a small ErlInteger's hash is its value.
      int h = 1;
      for (byte b : bytes) {
        h = 31 * h + (b & 0xFF);
      }
      return h * 31;
    }
    return Arrays.hashCode(elements) * 31 + (tail == null ? 0 : tail.hashCode());
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
