package org.sshrpc.term;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An Erlang map. Equality is map equality (order does not matter); iteration follows insertion
 * order, and the encoder writes keys in the order {@code term_to_binary} uses.
 */
public final class ErlMap implements Term, Comparable<ErlMap> {
  static final ErlMap EMPTY = new ErlMap(new LinkedHashMap<>());

  private final Map<Term, Term> entries;
  /**
   * The same entries as an array, key then value, in iteration order: the encoder walks this
   * contiguous array twice (size, then write) instead of the hash map's linked entries.
   */
  private final Term[] keysAndValues;

  /** Takes ownership of {@code entries}. */
  ErlMap(LinkedHashMap<Term, Term> entries) {
    this.entries = entries;
    Term[] kv = new Term[2 * entries.size()];
    int i = 0;
    for (Map.Entry<Term, Term> e : entries.entrySet()) {
      kv[i++] = e.getKey();
      kv[i++] = e.getValue();
    }
    this.keysAndValues = kv;
  }

  /**
   * Takes ownership of both: {@code keysAndValues} must hold exactly the entries of {@code
   * entries}, key then value, in its iteration order (the decoder fills both as it reads).
   */
  ErlMap(LinkedHashMap<Term, Term> entries, Term[] keysAndValues) {
    this.entries = entries;
    this.keysAndValues = keysAndValues;
  }

  public static ErlMap of(Map<? extends Term, ? extends Term> entries) {
    LinkedHashMap<Term, Term> copy = new LinkedHashMap<>();
    entries.forEach(
        (k, v) -> {
          if (k == null || v == null) {
            throw new NullPointerException("map key or value");
          }
          copy.put(k, v);
        });
    return copy.isEmpty() ? EMPTY : new ErlMap(copy);
  }

  /** A map from alternating keys and values: {@code ErlMap.of(k1, v1, k2, v2)}. */
  public static ErlMap of(Term... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("odd number of keys and values: " + keysAndValues.length);
    }
    LinkedHashMap<Term, Term> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (keysAndValues[i] == null || keysAndValues[i + 1] == null) {
        throw new NullPointerException("map key or value");
      }
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return m.isEmpty() ? EMPTY : new ErlMap(m);
  }

  public int size() {
    return entries.size();
  }

  /** The value for {@code key}, or null. */
  public Term get(Term key) {
    return entries.get(key);
  }

  /** The entries without a wrapper: only for the codec, which never changes them. */
  Map<Term, Term> internalEntries() {
    return entries;
  }

  /** Keys and values alternating, in iteration order: only for the codec, never handed out. */
  Term[] internalKeysAndValues() {
    return keysAndValues;
  }

  /** An unmodifiable view of the entries. */
  public Map<Term, Term> entries() {
    return Collections.unmodifiableMap(entries);
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlMap other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof ErlMap && ((ErlMap) o).entries.equals(entries));
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
