package org.sshrpc.wire;

import java.util.Arrays;

/**
 * A byte array that frames are appended to, grown by doubling: the queue of bytes waiting for one
 * write. Its owner hands the array itself (not a copy) to a write with {@link #detach} and keeps
 * appending into a fresh or spare one while that write is in flight.
 *
 * <p>Not thread-safe: its owner appends and detaches under its own lock.
 */
public final class GrowableBuffer {
  /** Largest size: Java arrays stop a little below 2^31. */
  public static final int MAX_SIZE = Integer.MAX_VALUE - 8;

  private final int initialCapacity;
  private byte[] buf;
  private int size;

  /** An empty buffer starting at {@code initialCapacity} bytes. */
  public GrowableBuffer(int initialCapacity) {
    if (initialCapacity < 0) {
      throw new IllegalArgumentException("initialCapacity: " + initialCapacity + " (expected: >= 0)");
    }
    this.initialCapacity = initialCapacity;
    this.buf = new byte[initialCapacity];
  }

  /** The array holding the bytes {@code [0, size())}; valid until the next append or detach. */
  public byte[] array() {
    return buf;
  }

  /** Bytes appended since the last {@link #clear} or {@link #detach}. */
  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** Forgets the bytes, keeping the array for reuse. */
  public void clear() {
    size = 0;
  }

  /**
   * Returns the array holding the bytes {@code [0, size())} and starts over, empty, on {@code
   * spare} (a former array given back after its write completed; null for a new one).
   */
  public byte[] detach(byte[] spare) {
    byte[] out = buf;
    buf = spare != null ? spare : new byte[initialCapacity];
    size = 0;
    return out;
  }

  /** Drops the bytes from {@code size} on (undoes an append that failed half-way). */
  void truncate(int size) {
    if (size < 0 || size > this.size) {
      throw new IllegalArgumentException("size: " + size + " (expected: 0.." + this.size + ")");
    }
    this.size = size;
  }

  /** Copies {@code len} bytes of {@code b} from {@code off} to the end. */
  public void append(byte[] b, int off, int len) {
    int at = reserve(len);
    System.arraycopy(b, off, buf, at, len);
  }

  /**
   * Makes room for {@code n} more bytes, grows the size by {@code n} and returns the offset where
   * the caller writes them.
   *
   * @throws IllegalArgumentException if the buffer would exceed {@link #MAX_SIZE}
   */
  public int reserve(long n) {
    long need = size + n;
    if (n < 0 || need > MAX_SIZE) {
      throw new IllegalArgumentException(
          "buffered bytes: " + need + " (expected: <= " + MAX_SIZE + ")");
    }
    if (need > buf.length) {
      buf = Arrays.copyOf(buf, (int) Math.max(need, Math.min(2L * Math.max(buf.length, 16), MAX_SIZE)));
    }
    int at = size;
    size = (int) need;
    return at;
  }
}
