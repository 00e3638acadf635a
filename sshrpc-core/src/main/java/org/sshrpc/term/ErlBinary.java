package org.sshrpc.term;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An Erlang binary: an immutable byte sequence with content equality. The bytes are copied in and
 * out, so a binary can never be changed after it is built.
 */
public final class ErlBinary implements Term, Comparable<ErlBinary> {
  static final ErlBinary EMPTY = new ErlBinary(new byte[0]);

  private final byte[] bytes;

  /** Takes ownership of {@code bytes}: only for the codec, which never shares the array. */
  ErlBinary(byte[] bytes) {
    this.bytes = bytes;
  }

  public static ErlBinary of(byte[] bytes) {
    return bytes.length == 0 ? EMPTY : new ErlBinary(bytes.clone());
  }

  public static ErlBinary of(byte[] bytes, int offset, int length) {
    return length == 0 ? EMPTY : new ErlBinary(Arrays.copyOfRange(bytes, offset, offset + length));
  }

  /** The UTF-8 bytes of {@code s}, as Erlang's {@code <<"..."/utf8>>}. */
  public static ErlBinary utf8(String s) {
    return new ErlBinary(s.getBytes(StandardCharsets.UTF_8));
  }

  public int size() {
    return bytes.length;
  }

  public byte byteAt(int index) {
    return bytes[index];
  }

  /** A fresh copy of the bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /** A read-only view of the bytes, without copying. */
  public ByteBuffer asReadOnlyBuffer() {
    return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  /** The bytes decoded as UTF-8 (malformed sequences replaced). */
  public String utf8String() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Package-internal access without a copy; never hand the array out. */
  byte[] internalBytes() {
    return bytes;
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlBinary other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof ErlBinary && Arrays.equals(((ErlBinary) o).bytes, bytes));
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
