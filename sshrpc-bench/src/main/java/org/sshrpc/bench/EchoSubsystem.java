package org.sshrpc.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.ArrayDeque;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelDataReceiver;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.channel.ChannelSessionAware;
import org.apache.sshd.server.command.AsyncCommand;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.subsystem.SubsystemFactory;

/**
 * The bare MINA baseline: a subsystem that writes every channel data message straight back,
 * without a thread of its own. Data arrives on a MINA I/O thread; the echo is queued on the
 * channel's asynchronous output, echoes that queue up while a write is pending go out together in
 * the next write, and the SSH window is released only once the echo is written (so a client that
 * does not read is slowed down, never buffered without bound). It is about the fastest a MINA
 * subsystem can answer, which is what the issue-5 goals compare our server against.
 */
final class EchoSubsystem implements AsyncCommand, ChannelSessionAware, ChannelDataReceiver {
  private ChannelSession channel;
  private IoOutputStream out;
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private boolean writing;

  /** The factory registering the echo under the sshrpc subsystem name. */
  static SubsystemFactory factory() {
    return new SubsystemFactory() {
      @Override
      public String getName() {
        return RawSshConn.SUBSYSTEM;
      }

      @Override
      public Command createSubsystem(ChannelSession channel) {
        return new EchoSubsystem();
      }
    };
  }

  @Override
  public void setChannelSession(ChannelSession session) {
    this.channel = session;
    session.setDataReceiver(this);
  }

  @Override
  public void setIoOutputStream(IoOutputStream o) {
    this.out = o;
  }

  @Override
  public int data(ChannelSession c, byte[] buf, int start, int len) throws IOException {
    synchronized (this) {
      queue.add(Arrays.copyOfRange(buf, start, start + len));
      if (!writing) {
        writing = true;
        writeQueued();
      }
    }
    return 0; // the window is released in written(), once the echo is out
  }

  // called holding the lock; the channel's stream allows one pending write at a time
  private void writeQueued() throws IOException {
    int total = 0;
    for (byte[] b : queue) {
      total += b.length;
    }
    ByteArrayBuffer buf = new ByteArrayBuffer(total, false);
    while (!queue.isEmpty()) {
      buf.putRawBytes(queue.poll());
    }
    int n = total;
    out.writeBuffer(buf).addListener(f -> written(f, n));
  }

  private void written(IoWriteFuture f, int n) {
    try {
      if (!f.isWritten()) {
        channel.close(true);
        return;
      }
      channel.getLocalWindow().release(n);
      synchronized (this) {
        if (queue.isEmpty()) {
          writing = false;
        } else {
          writeQueued();
        }
      }
    } catch (IOException e) {
      channel.close(true);
    }
  }

  @Override
  public void setIoInputStream(IoInputStream in) {}

  @Override
  public void setIoErrorStream(IoOutputStream err) {}

  @Override
  public void setInputStream(InputStream in) {}

  @Override
  public void setOutputStream(OutputStream out) {}

  @Override
  public void setErrorStream(OutputStream err) {}

  @Override
  public void setExitCallback(ExitCallback callback) {}

  @Override
  public void start(ChannelSession c, Environment env) {}

  @Override
  public void destroy(ChannelSession c) throws IOException {
    // the channel closes its own output stream
  }

  @Override
  public void close() {}
}
