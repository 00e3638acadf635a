package org.sshrpc.term;

import java.util.Arrays;

/**
 * A local Erlang fun ({@code NEW_FUN_EXT}), kept opaque: it cannot be called from Java, but it
 * round-trips byte for byte. {@link #encoded()} is the complete external encoding starting with
 * the tag byte (112), without the version byte.
 */
public final class ErlFun implements Term, Comparable<ErlFun> {
  private final byte[] encoded;

  ErlFun(byte[] encoded) {
    this.encoded = encoded;
  }

  /** Wraps an encoding that starts with the NEW_FUN_EXT tag byte (112). */
  public static ErlFun ofEncoded(byte[] encoded) {
    if (encoded.length < 1 || (encoded[0] & 0xFF) != 112) {
      throw new IllegalArgumentException("not a NEW_FUN_EXT encoding");
    }
    return new ErlFun(encoded.clone());
  }

  /** A copy of the encoding, tag byte included. */
  public byte[] encoded() {
    return encoded.clone();
  }

  byte[] internalEncoded() {
    return encoded;
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlFun other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof ErlFun && Arrays.equals(((ErlFun) o).encoded, encoded));
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
