package org.sshrpc.client;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.sshrpc.server.PipeServer;

/**
 * The client's {@link ClientTransport} over an in-memory pipe to the server's session core
 * ({@link PipeServer}): the client contract leg, the real client against the real server without
 * SSH. With {@code byteAtATime}, every write and every delivery is cut into single bytes, so both
 * ends' framing sees the worst split.
 */
final class PipeClientTransport implements ClientTransport {
  final AtomicLong bytesWritten = new AtomicLong();
  private final PipeServer.Link link;
  private final boolean byteAtATime;
  private final AtomicBoolean closed = new AtomicBoolean();

  private PipeClientTransport(PipeServer.Link link, boolean byteAtATime) {
    this.link = link;
    this.byteAtATime = byteAtATime;
  }

  /** Opens a channel as {@code user}; {@code made[0]} receives the transport, for tests that count bytes. */
  static Opener to(PipeServer server, String user, boolean byteAtATime, PipeClientTransport[] made) {
    return (receiver, deadlineNanos) -> {
      PipeServer.Link link =
          server.connect(
              user,
              new PipeServer.ClientEnd() {
                @Override
                public void data(byte[] b, int off, int len) {
                  if (!byteAtATime) {
                    receiver.data(b, off, len);
                    return;
                  }
                  for (int i = 0; i < len; i++) {
                    receiver.data(new byte[] {b[off + i]}, 0, 1);
                  }
                }

                @Override
                public void closed(String reason) {
                  receiver.closed(reason == null ? null : new java.io.IOException(reason));
                }
              });
      PipeClientTransport t = new PipeClientTransport(link, byteAtATime);
      if (made != null) {
        made[0] = t;
      }
      return t;
    };
  }

  @Override
  public void write(byte[] b, int off, int len) {
    bytesWritten.addAndGet(len);
    if (!byteAtATime) {
      link.write(b, off, len);
      return;
    }
    for (int i = 0; i < len; i++) {
      link.write(b, off + i, 1);
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      link.close();
    }
  }
}
