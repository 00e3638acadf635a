package org.sshrpc.term;

import java.util.Arrays;

/**
 * An Erlang bitstring whose length is not a whole number of bytes: {@code bytes} hold the bits,
 * and only the high {@code lastByteBits} (1..7) bits of the last byte belong to it; the unused low
 * bits are always zero. A whole-byte bitstring is an {@link ErlBinary}.
 */
public final class ErlBitstring implements Term, Comparable<ErlBitstring> {
  private final byte[] bytes;
  private final int lastByteBits;

  ErlBitstring(byte[] bytes, int lastByteBits) {
    this.bytes = bytes;
    this.lastByteBits = lastByteBits;
  }

  /**
   * A bitstring of {@code bytes.length * 8 - (8 - lastByteBits)} bits. Unused low bits of the last
   * byte are cleared.
   *
   * @throws IllegalArgumentException if {@code bytes} is empty or lastByteBits is not in 1..7
   */
  public static ErlBitstring of(byte[] bytes, int lastByteBits) {
    if (bytes.length == 0) {
      throw new IllegalArgumentException("a bitstring needs at least one byte");
    }
    if (lastByteBits < 1 || lastByteBits > 7) {
      throw new IllegalArgumentException(
          "lastByteBits: " + lastByteBits + " (expected: 1..7; use ErlBinary for whole bytes)");
    }
    byte[] copy = bytes.clone();
    copy[copy.length - 1] &= (byte) (0xFF << (8 - lastByteBits));
    return new ErlBitstring(copy, lastByteBits);
  }

  /** Total number of bits. */
  public long bitLength() {
    return (long) bytes.length * 8 - (8 - lastByteBits);
  }

  /** Number of bits used in the last byte, 1..7. */
  public int lastByteBits() {
    return lastByteBits;
  }

  public byte[] toByteArray() {
    return bytes.clone();
  }

  byte[] internalBytes() {
    return bytes;
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlBitstring other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ErlBitstring)) {
      return false;
    }
    ErlBitstring other = (ErlBitstring) o;
    return other.lastByteBits == lastByteBits && Arrays.equals(other.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes) * 31 + lastByteBits;
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
