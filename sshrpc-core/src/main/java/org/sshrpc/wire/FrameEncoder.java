package org.sshrpc.wire;

import java.util.Arrays;
import java.util.Objects;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;

/**
 * The one writer of sshrpc frames ({@code <<Length:32/big, ETF>>}), used by both ends. Frames are
 * appended into a {@link GrowableBuffer}, so that frames ready at the same time leave in one
 * write (one SSH data message): {@link #append(Term, long, GrowableBuffer)} encodes a term
 * straight into the buffer (no intermediate array), {@link #appendFrame(byte[], GrowableBuffer)}
 * frames content already encoded.
 *
 * <p>Use {@link #frame(Term)} for a single frame, or the instance's {@link #append} then {@link
 * #drain()} to coalesce. An instance is not thread-safe; the static helpers are.
 */
public final class FrameEncoder {
  private final TermEncoder encoder;
  private final int maxFrameLength;
  private byte[] buf;
  private int size;

  /**
   * @param encoder the ETF encoder for frame contents
   * @param maxFrameLength the largest content length this side writes; larger terms fail with
   *     {@link IllegalArgumentException} rather than produce a frame the peer must reject
   */
  public FrameEncoder(TermEncoder encoder, int maxFrameLength) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    if (maxFrameLength < 0) {
      throw new IllegalArgumentException("maxFrameLength < 0: " + maxFrameLength);
    }
    this.maxFrameLength = maxFrameLength;
    this.buf = new byte[256];
  }

  /** A frame encoder with the OTP 25 term encoder and no length limit below 2^31 - 1. */
  public FrameEncoder() {
    this(TermEncoder.DEFAULT, Integer.MAX_VALUE - 8);
  }

  /** One frame holding {@code term}, encoded by {@link TermEncoder#DEFAULT}. */
  public static byte[] frame(Term term) {
    return frame(TermEncoder.DEFAULT.encode(term));
  }

  /** One frame holding {@code content} (ETF bytes). */
  public static byte[] frame(byte[] content) {
    byte[] out = new byte[4 + content.length];
    putLength(out, 0, content.length);
    System.arraycopy(content, 0, out, 4, content.length);
    return out;
  }

  /**
   * Appends one frame holding {@code term}, whose encoded size the caller already knows (from
   * {@link TermEncoder#encodedSize}, typically to charge it before encoding), encoding it in
   * place. A term that cannot be encoded throws before the buffer's size moves.
   *
   * @throws IllegalArgumentException if the frame would not fit in the buffer's 2 GiB
   */
  public static void append(TermEncoder encoder, Term term, long encodedSize, GrowableBuffer out) {
    if (encodedSize < 0 || encodedSize > GrowableBuffer.MAX_SIZE - 4) {
      throw new IllegalArgumentException(
          "frame content: " + encodedSize + " bytes (expected: <= " + (GrowableBuffer.MAX_SIZE - 4) + ")");
    }
    int before = out.size();
    int at = out.reserve(4 + encodedSize);
    try {
      putLength(out.array(), at, (int) encodedSize);
      int n = encoder.encode(term, out.array(), at + 4);
      if (n != encodedSize) {
        throw new IllegalArgumentException("term encodes to " + n + " bytes, not the " + encodedSize + " given");
      }
    } catch (RuntimeException e) {
      out.truncate(before);
      throw e;
    }
  }

  /**
   * Appends only the length prefix of a frame of {@code length} content bytes, for a writer that
   * then writes a large content from its own array instead of copying it into the buffer.
   */
  public static void appendHeader(int length, GrowableBuffer out) {
    if (length < 0) {
      throw new IllegalArgumentException("length: " + length + " (expected: >= 0)");
    }
    int at = out.reserve(4); // before array(): reserving may replace the array
    putLength(out.array(), at, length);
  }

  /** Appends one frame holding {@code content} (ETF bytes). */
  public static void appendFrame(byte[] content, GrowableBuffer out) {
    int at = out.reserve(4 + (long) content.length);
    putLength(out.array(), at, content.length);
    System.arraycopy(content, 0, out.array(), at + 4, content.length);
  }

  /**
   * Appends one frame holding {@code term} to {@code out}, encoded in place by this encoder's term
   * encoder; returns the bytes appended (header included).
   *
   * @throws IllegalArgumentException if the encoded term is longer than this encoder's limit
   */
  public int append(Term term, GrowableBuffer out) {
    long size = encoder.encodedSize(term);
    if (size > maxFrameLength) {
      throw new IllegalArgumentException("frame too large: " + size + " bytes (expected: <= " + maxFrameLength + ")");
    }
    append(encoder, term, size, out);
    return 4 + (int) size;
  }

  /**
   * Appends one frame holding {@code term}; returns this.
   *
   * @throws IllegalArgumentException if the encoded term is longer than the limit
   */
  public FrameEncoder append(Term term) {
    byte[] content = encoder.encode(term);
    if (content.length > maxFrameLength) {
      throw new IllegalArgumentException(
          "frame too large: " + content.length + " bytes (expected: <= " + maxFrameLength + ")");
    }
    ensure(4 + content.length);
    putLength(buf, size, content.length);
    System.arraycopy(content, 0, buf, size + 4, content.length);
    size += 4 + content.length;
    return this;
  }

  /** Appends an already-framed buffer (length prefix included) unchanged; returns this. */
  public FrameEncoder appendFrame(byte[] frame) {
    ensure(frame.length);
    System.arraycopy(frame, 0, buf, size, frame.length);
    size += frame.length;
    return this;
  }

  /** Bytes appended since the last drain. */
  public int size() {
    return size;
  }

  /** Returns the appended frames as one array and empties this encoder. */
  public byte[] drain() {
    byte[] out = Arrays.copyOf(buf, size);
    size = 0;
    return out;
  }

  private void ensure(int extra) {
    long need = (long) size + extra;
    if (need > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("coalesced frames exceed 2 GiB");
    }
    if (need > buf.length) {
      buf = Arrays.copyOf(buf, (int) Math.max(need, Math.min((long) buf.length * 2, Integer.MAX_VALUE - 8)));
    }
  }

  static void putLength(byte[] b, int at, int n) {
    b[at] = (byte) (n >>> 24);
    b[at + 1] = (byte) (n >>> 16);
    b[at + 2] = (byte) (n >>> 8);
    b[at + 3] = (byte) n;
  }
}
