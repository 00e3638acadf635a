package org.sshrpc.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.future.SshFutureListener;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelDataReceiver;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.AsyncCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.auth.SessionIdentity;

/**
 * The MINA side of one sshrpc channel: moves bytes between the SSH channel and an {@link
 * RpcSession}, and nothing else. Input arrives on MINA's I/O thread through {@link #data}; it
 * returns 0 so MINA releases no window by itself, and the session releases it through {@link
 * #releaseInput} once it accepted the bytes.
 */
final class RpcSubsystem implements AsyncCommand, ChannelDataReceiver, SessionTransport {
  private static final Logger LOG = LoggerFactory.getLogger(RpcSubsystem.class);

  private final RpcService service;
  private ChannelSession channel;
  private IoOutputStream out;
  private ExitCallback exit;
  private volatile RpcSession session;

  RpcSubsystem(RpcService service) {
    this.service = service;
  }

  @Override
  public void start(ChannelSession channel, Environment env) throws IOException {
    this.channel = channel;
    SessionIdentity id = SessionIdentity.of(channel.getServerSession());
    session = service.openSession(id.user(), id.keyFingerprint(), id.remoteAddress(), channel.getServerSession(), this);
    // Replace MINA's default receiver, so bytes reach the session without a pipe or a thread.
    channel.setDataReceiver(this);
    LOG.debug("sshrpc channel opened for {} from {}", LogText.field(id.user()), id.remoteAddress());
  }

  @Override
  public int data(ChannelSession ch, byte[] buf, int start, int len) {
    RpcSession s = session;
    if (s != null) {
      s.feed(buf, start, len);
    }
    return 0;
  }

  /** MINA closes the receiver when the client sends EOF. */
  @Override
  public void close() {
    RpcSession s = session;
    if (s != null) {
      s.inputClosed();
    }
  }

  @Override
  public void destroy(ChannelSession ch) {
    RpcSession s = session;
    if (s != null) {
      s.close();
    }
  }

  // SessionTransport

  @Override
  public void write(byte[] data, int off, int len, WriteCallback done) {
    // A buffer larger than one SSH packet goes out one packet-sized piece per write: MINA 2.20's
    // ChannelAsyncOutputStream copies the whole unsent rest of a buffer it cannot send in one
    // packet (a BufferedFuture), i.e. one more full copy (and allocation) of a 16 MiB reply.
    int chunk = (int) Math.min(Integer.MAX_VALUE, Math.max(1024, channel.getRemoteWindow().getPacketSize()));
    if (len <= chunk) {
      try {
        out.writeBuffer(new ByteArrayBuffer(data, off, len))
            .addListener(f -> done.done(f.isWritten() ? null : orClosed(f.getException())));
      } catch (IOException | RuntimeException e) {
        done.done(e);
      }
      return;
    }
    new ChunkedWrite(data, off, off + len, chunk, done).next();
  }

  /**
   * One large write as a sequence of packet-sized writes, each started when the previous one
   * completed. A completion that happens inside {@code addListener} (already written) continues
   * the loop instead of recursing, so the stack stays flat however large the buffer.
   */
  private final class ChunkedWrite implements SshFutureListener<IoWriteFuture> {
    private final byte[] data;
    private final int end;
    private final int chunk;
    private final WriteCallback done;
    private int pos;
    private int pending; // length of the piece being written
    private boolean starting; // guarded by this: inside next(), between writeBuffer and addListener's return
    private boolean finishedWhileStarting; // guarded by this

    ChunkedWrite(byte[] data, int from, int end, int chunk, WriteCallback done) {
      this.data = data;
      this.pos = from;
      this.end = end;
      this.chunk = chunk;
      this.done = done;
    }

    void next() {
      while (true) {
        int n = Math.min(chunk, end - pos);
        IoWriteFuture f;
        synchronized (this) {
          pending = n;
          starting = true;
          finishedWhileStarting = false;
        }
        try {
          f = out.writeBuffer(new ByteArrayBuffer(data, pos, n));
        } catch (IOException | RuntimeException e) {
          done.done(e);
          return;
        }
        f.addListener(this);
        synchronized (this) {
          starting = false;
          if (!finishedWhileStarting) {
            return; // operationComplete continues from the completion thread
          }
        }
        if (pos >= end) {
          done.done(null);
          return;
        }
      }
    }

    @Override
    public void operationComplete(IoWriteFuture f) {
      if (!f.isWritten()) {
        done.done(orClosed(f.getException()));
        return;
      }
      boolean inLoop;
      synchronized (this) {
        pos += pending;
        inLoop = starting;
        if (inLoop) {
          finishedWhileStarting = true;
        }
      }
      if (inLoop) {
        return; // next() sees the flag and goes on
      }
      if (pos >= end) {
        done.done(null);
      } else {
        next();
      }
    }
  }

  private static Throwable orClosed(Throwable t) {
    return t != null ? t : new IOException("channel closed");
  }

  @Override
  public void releaseInput(long bytes) {
    try {
      channel.getLocalWindow().release(bytes);
    } catch (IOException e) {
      LOG.debug("window release failed; the channel is closing", e);
    }
  }

  @Override
  public void close(String reason) {
    LOG.debug("closing sshrpc channel: {}", LogText.field(reason));
    ExitCallback cb = exit;
    if (cb != null) {
      cb.onExit(0, reason);
    } else {
      channel.close(false);
    }
  }

  // Command plumbing

  @Override
  public void setExitCallback(ExitCallback callback) {
    this.exit = callback;
  }

  @Override
  public void setIoOutputStream(IoOutputStream out) {
    this.out = out;
  }

  @Override
  public void setIoInputStream(IoInputStream in) {
    // unused: input comes through data()
  }

  @Override
  public void setIoErrorStream(IoOutputStream err) {
    // extended data is not used by sshrpc
  }

  @Override
  public void setInputStream(InputStream in) {}

  @Override
  public void setOutputStream(OutputStream out) {}

  @Override
  public void setErrorStream(OutputStream err) {}
}
