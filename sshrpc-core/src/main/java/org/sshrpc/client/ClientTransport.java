package org.sshrpc.client;

import java.io.IOException;

/**
 * The bytes under one client channel: the client's byte seam. Over SSH it is the subsystem
 * channel ({@link MinaClientTransport}); tests run the same client over an in-memory pipe to the
 * server's session core. The channel above it frames, encodes and decodes; a transport only moves
 * bytes.
 *
 * <p>Contract: {@link #write} and {@link #flush} are called by one thread at a time (the channel's
 * writer holds its lock); the transport delivers input to its {@link Receiver} serially, one chunk
 * at a time, on a thread of its own, and reports its end once.
 */
interface ClientTransport {
  /** Writes {@code len} bytes of {@code b} from {@code off}; may block for flow control. The array may be reused on return. */
  void write(byte[] b, int off, int len) throws IOException;

  /** Sends what was written so far (at the end of a batch). */
  void flush() throws IOException;

  /** Closes the transport; idempotent. */
  void close();

  /** Where a transport delivers what it reads. */
  interface Receiver {
    /** Input bytes, valid only during the call. */
    void data(byte[] b, int off, int len);

    /** The transport ended (closed by either side, or lost); {@code reason} may be null. */
    void closed(Throwable reason);
  }

  /** Opens a transport delivering to {@code receiver}, ready to write before {@code deadlineNanos}. */
  @FunctionalInterface
  interface Opener {
    ClientTransport open(Receiver receiver, long deadlineNanos) throws IOException;
  }
}
