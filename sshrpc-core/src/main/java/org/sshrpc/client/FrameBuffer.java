package org.sshrpc.client;

import java.net.ProtocolException;

/**
 * Reassembles {@code <<Len:32/big, Content/binary>>} frames from channel data that may split or
 * join them arbitrarily. Not thread-safe: fed by the channel's single inbound thread.
 */
final class FrameBuffer {
  /** Receives one complete frame's content; valid only during the call. */
  interface Sink {
    void frame(byte[] buf, int off, int len) throws ProtocolException;
  }

  private final int maxFrameLength;
  private final byte[] header = new byte[4];
  private int headerFill;
  private byte[] body; // null while reading a header
  private int bodyFill;

  FrameBuffer(int maxFrameLength) {
    this.maxFrameLength = maxFrameLength;
  }

  void feed(byte[] data, int off, int len, Sink sink) throws ProtocolException {
    int end = off + len;
    while (off < end) {
      if (body == null) {
        // Fast path: a whole frame inside this chunk needs no copy.
        if (headerFill == 0 && end - off >= 4) {
          int n = readLength(data, off);
          if (end - off - 4 >= n) {
            sink.frame(data, off + 4, n);
            off += 4 + n;
            continue;
          }
        }
        int take = Math.min(4 - headerFill, end - off);
        System.arraycopy(data, off, header, headerFill, take);
        headerFill += take;
        off += take;
        if (headerFill == 4) {
          body = new byte[readLength(header, 0)];
          bodyFill = 0;
          headerFill = 0;
        }
      } else {
        int take = Math.min(body.length - bodyFill, end - off);
        System.arraycopy(data, off, body, bodyFill, take);
        bodyFill += take;
        off += take;
      }
      if (body != null && bodyFill == body.length) {
        byte[] b = body;
        body = null;
        sink.frame(b, 0, b.length);
      }
    }
  }

  private int readLength(byte[] b, int off) throws ProtocolException {
    long n =
        ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    if (n > maxFrameLength) {
      throw new ProtocolException("frame too large: " + n + " bytes (expected: <= " + maxFrameLength + ")");
    }
    return (int) n;
  }
}
