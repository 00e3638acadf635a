package org.sshrpc.term;

import java.util.Objects;

/**
 * An Erlang atom, named by a Unicode string of at most 255 code points.
 *
 * <p>Atoms decoded from the wire are plain values: they are never interned globally, so a peer
 * cannot exhaust memory by sending many distinct atoms.
 */
public final class ErlAtom implements Term, Comparable<ErlAtom> {
  /** Maximum atom length in code points, as in Erlang. */
  public static final int MAX_LENGTH = 255;

  public static final ErlAtom TRUE = new ErlAtom("true");
  public static final ErlAtom FALSE = new ErlAtom("false");
  public static final ErlAtom OK = new ErlAtom("ok");
  public static final ErlAtom ERROR = new ErlAtom("error");
  public static final ErlAtom UNDEFINED = new ErlAtom("undefined");

  private final String name;
  private Encoded encoded; // computed on first encode; a benign race (Encoded has final fields)

  private ErlAtom(String name) {
    this.name = name;
  }

  /** The atom's text as the encoder writes it: Latin-1 when possible, else UTF-8. */
  static final class Encoded {
    final byte[] bytes;
    final boolean latin1;
    final byte[] utf8;

    Encoded(String name) {
      boolean l1 = true;
      for (int i = 0; i < name.length(); i++) {
        if (name.charAt(i) > 0xFF) {
          l1 = false;
          break;
        }
      }
      this.latin1 = l1;
      this.utf8 = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      this.bytes = l1 ? name.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1) : utf8;
    }
  }

  Encoded encoded() {
    Encoded e = encoded;
    if (e == null) {
      e = new Encoded(name);
      encoded = e;
    }
    return e;
  }

  /**
   * Returns the atom with this name.
   *
   * @throws IllegalArgumentException if the name is longer than 255 code points
   */
  public static ErlAtom of(String name) {
    Objects.requireNonNull(name, "name");
    if (name.length() > MAX_LENGTH && name.codePointCount(0, name.length()) > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "atom too long: " + name.codePointCount(0, name.length()) + " code points (expected: <= 255)");
    }
    switch (name) {
      case "true":
        return TRUE;
      case "false":
        return FALSE;
      case "ok":
        return OK;
      case "error":
        return ERROR;
      case "undefined":
        return UNDEFINED;
      default:
        return new ErlAtom(name);
    }
  }

  /** Returns {@link #TRUE} or {@link #FALSE}. */
  public static ErlAtom of(boolean b) {
    return b ? TRUE : FALSE;
  }

  public String name() {
    return name;
  }

  /** True if this is the atom {@code true} or {@code false}. */
  public boolean isBoolean() {
    return this.equals(TRUE) || this.equals(FALSE);
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlAtom other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof ErlAtom && ((ErlAtom) o).name.equals(name));
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
