package org.sshrpc.wire;

import java.net.ProtocolException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A push-fed splitter of a byte stream into sshrpc frames ({@code <<Length:32/big, Content>>}).
 *
 * <p>Feed it the bytes of each SSH data message as they arrive, in any split: it buffers a partial
 * frame across calls and hands every complete frame's content to the sink, several per call when
 * one chunk holds several frames. A header declaring more than {@code maxFrameLength} bytes fails
 * with {@link FrameTooLargeException} as soon as its four bytes are seen, before anything is
 * allocated for the frame; the decoder is then unusable, because the stream cannot be framed
 * past it.
 *
 * <p>Memory held for a partial frame grows with the bytes actually received, not with the
 * declared length, so a peer that announces a large frame and then stalls costs little.
 *
 * <p>Not thread-safe: one thread (the transport's reader) feeds it.
 */
public final class FrameDecoder {
  /** Bytes of the length prefix. */
  public static final int HEADER_LENGTH = 4;

  /**
   * Receives one complete frame's content as a slice of an array that is valid only during the
   * call: for a frame whole inside the fed chunk, the chunk itself (no copy). For readers that
   * decode at once, as the client's does.
   */
  @FunctionalInterface
  public interface FrameSink {
    void frame(byte[] buf, int off, int len) throws ProtocolException;
  }

  private static final int INITIAL_BODY_CAPACITY = 8 * 1024;

  private static final int CHUNK = 64 * 1024;

  private final int maxFrameLength;
  private final java.util.function.IntPredicate admission;
  private final byte[] header = new byte[HEADER_LENGTH];
  private int headerFilled;
  private int bodyLength = -1; // -1 while reading the header
  private byte[] body;
  // An admitted frame larger than CHUNK is buffered in CHUNK-sized arrays (allocated as bytes come)
  // and assembled once complete: a stalled large frame holds no more than it received, and no
  // array large enough to be a G1 humongous object (which a full GC does not compact) is held
  // for a frame that never completes.
  private byte[][] chunks;
  private int bodyFilled;
  private FrameTooLargeException failure;

  /**
   * @param maxFrameLength the largest content length accepted, in bytes
   * @throws IllegalArgumentException if the limit is negative
   */
  public FrameDecoder(int maxFrameLength) {
    this(maxFrameLength, null);
  }

  /**
   * A decoder that asks {@code admission} about every frame whose body does not arrive in the
   * same chunk as its header, before buffering it. An admitted frame larger than the initial
   * buffer gets its whole body allocated at once (no growing copies: its memory is exactly what
   * was admitted); a refused one throws {@link FrameRefusedException} and fails the decoder, as a
   * frame over the limit does.
   *
   * @param maxFrameLength the largest content length accepted, in bytes
   * @param admission given the body length; null admits every frame and grows buffers as bytes come
   */
  public FrameDecoder(int maxFrameLength, java.util.function.IntPredicate admission) {
    if (maxFrameLength < 0) {
      throw new IllegalArgumentException("maxFrameLength < 0: " + maxFrameLength);
    }
    this.maxFrameLength = maxFrameLength;
    this.admission = admission;
  }

  public int maxFrameLength() {
    return maxFrameLength;
  }

  /**
   * Consumes {@code len} bytes of {@code buf} from {@code off}, passing each completed frame's
   * content (a fresh array the sink may keep) to {@code sink} in stream order.
   *
   * @throws FrameTooLargeException if a frame header declares more than the limit; frames
   *     completed earlier in the same chunk have already been passed to the sink
   */
  public void feed(byte[] buf, int off, int len, Consumer<byte[]> sink)
      throws FrameTooLargeException {
    try {
      feed(buf, off, len, sink, null);
    } catch (FrameTooLargeException e) {
      throw e;
    } catch (ProtocolException e) {
      throw new AssertionError(e); // only a FrameSink throws others, and there is none
    }
  }

  /**
   * Consumes {@code len} bytes of {@code buf} from {@code off}, passing each completed frame's
   * content to {@code sink} as a slice valid only during the call (see {@link FrameSink}).
   *
   * @throws FrameTooLargeException if a frame header declares more than the limit
   * @throws ProtocolException what the sink threw; frames after that one are not passed on
   */
  public void feed(byte[] buf, int off, int len, FrameSink sink) throws ProtocolException {
    feed(buf, off, len, null, sink);
  }

  private void feed(byte[] buf, int off, int len, Consumer<byte[]> whole, FrameSink slices)
      throws ProtocolException {
    if (off < 0 || len < 0 || off > buf.length - len) {
      throw new IndexOutOfBoundsException("off=" + off + " len=" + len + " size=" + buf.length);
    }
    if (failure != null) {
      throw failure;
    }
    int pos = off;
    int end = off + len;
    while (pos < end) {
      if (bodyLength < 0) {
        // Fast path: a whole header and body present in the chunk with nothing buffered.
        if (headerFilled == 0 && end - pos >= HEADER_LENGTH) {
          long n = readLength(buf, pos);
          checkLength(n);
          int length = (int) n;
          if (end - pos - HEADER_LENGTH >= length) {
            int at = pos + HEADER_LENGTH;
            pos += HEADER_LENGTH + length;
            if (slices != null) {
              slices.frame(buf, at, length);
            } else {
              whole.accept(Arrays.copyOfRange(buf, at, at + length));
            }
            continue;
          }
          System.arraycopy(buf, pos, header, 0, HEADER_LENGTH);
          headerFilled = HEADER_LENGTH;
          pos += HEADER_LENGTH;
        } else {
          int take = Math.min(HEADER_LENGTH - headerFilled, end - pos);
          System.arraycopy(buf, pos, header, headerFilled, take);
          headerFilled += take;
          pos += take;
          if (headerFilled < HEADER_LENGTH) {
            break;
          }
        }
        long n = readLength(header, 0);
        checkLength(n);
        bodyLength = (int) n;
        if (admission != null) {
          if (!admission.test(bodyLength)) {
            failure = new FrameRefusedException(n, maxFrameLength);
            throw failure;
          }
          if (bodyLength > CHUNK) {
            chunks = new byte[(bodyLength + CHUNK - 1) / CHUNK][];
          } else {
            body = new byte[bodyLength];
          }
        } else {
          body = new byte[Math.min(bodyLength, INITIAL_BODY_CAPACITY)];
        }
        bodyFilled = 0;
      }
      int take = Math.min(bodyLength - bodyFilled, end - pos);
      if (chunks != null) {
        int left = take;
        while (left > 0) {
          int c = bodyFilled / CHUNK;
          int at = bodyFilled % CHUNK;
          if (chunks[c] == null) {
            chunks[c] = new byte[Math.min(CHUNK, bodyLength - c * CHUNK)];
          }
          int n = Math.min(left, chunks[c].length - at);
          System.arraycopy(buf, pos, chunks[c], at, n);
          bodyFilled += n;
          pos += n;
          left -= n;
        }
        if (bodyFilled == bodyLength) {
          byte[] frame = new byte[bodyLength];
          for (int c = 0; c < chunks.length; c++) {
            System.arraycopy(chunks[c], 0, frame, c * CHUNK, chunks[c].length);
          }
          chunks = null;
          bodyLength = -1;
          headerFilled = 0;
          bodyFilled = 0;
          pass(frame, whole, slices);
        }
        continue;
      }
      if (bodyFilled + take > body.length) {
        int capacity = (int) Math.min(bodyLength, Math.max((long) body.length * 2, bodyFilled + take));
        body = Arrays.copyOf(body, capacity);
      }
      System.arraycopy(buf, pos, body, bodyFilled, take);
      bodyFilled += take;
      pos += take;
      if (bodyFilled == bodyLength) {
        byte[] frame = body;
        body = null;
        bodyLength = -1;
        headerFilled = 0;
        bodyFilled = 0;
        pass(frame, whole, slices);
      }
    }
  }

  private static void pass(byte[] frame, Consumer<byte[]> whole, FrameSink slices) throws ProtocolException {
    if (slices != null) {
      slices.frame(frame, 0, frame.length);
    } else {
      whole.accept(frame);
    }
  }

  /** Bytes of an incomplete frame (header included) held since the last complete frame. */
  public int bufferedBytes() {
    return bodyLength < 0 ? headerFilled : HEADER_LENGTH + bodyFilled;
  }

  /**
   * The declared body length of the frame being received, or -1 when no header is complete (at a
   * frame boundary, or inside a header). Lets the owner reserve memory for a large frame as soon as
   * its header arrives, before its body is buffered.
   */
  public int pendingFrameLength() {
    return bodyLength;
  }

  /**
   * Drops the partial frame being buffered, if any, so its memory is freed now rather than when
   * the decoder itself becomes unreachable (the owner's channel may linger while its close
   * completes). Feeding afterwards starts from a frame boundary.
   */
  public void discard() {
    body = null;
    chunks = null;
    bodyLength = -1;
    headerFilled = 0;
    bodyFilled = 0;
  }

  /** True when no partial frame is buffered, i.e. the stream ended on a frame boundary. */
  public boolean atFrameBoundary() {
    return bodyLength < 0 && headerFilled == 0;
  }

  private static long readLength(byte[] b, int at) {
    return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
  }

  private void checkLength(long n) throws FrameTooLargeException {
    if (n > maxFrameLength) {
      failure = new FrameTooLargeException(n, maxFrameLength);
      throw failure;
    }
  }
}
