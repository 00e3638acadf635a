package org.sshrpc.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
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
    session = service.openSession(id.user(), id.keyFingerprint(), id.remoteAddress(), this);
    // Replace MINA's default receiver, so bytes reach the session without a pipe or a thread.
    channel.setDataReceiver(this);
    LOG.debug("sshrpc channel opened for {} from {}", id.user(), id.remoteAddress());
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
    try {
      out.writeBuffer(new ByteArrayBuffer(data, off, len))
          .addListener(f -> done.done(f.isWritten() ? null : orClosed(f.getException())));
    } catch (IOException | RuntimeException e) {
      done.done(e);
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
    LOG.debug("closing sshrpc channel: {}", reason);
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
