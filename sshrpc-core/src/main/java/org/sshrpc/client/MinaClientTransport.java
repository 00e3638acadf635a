package org.sshrpc.client;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelListener;
import org.sshrpc.wire.Protocol;

/**
 * {@link ClientTransport} over MINA SSHD: the {@value Protocol#SUBSYSTEM} subsystem channel of a
 * client session. MINA delivers the channel's data serially on an I/O thread and releases the SSH
 * window after {@link ClientTransport.Receiver#data} returns; writes go to the channel's stream,
 * which blocks while the peer's window is full.
 */
final class MinaClientTransport implements ClientTransport {
  private final ChannelSubsystem channel;
  private final OutputStream out;

  private MinaClientTransport(ChannelSubsystem channel) {
    this.channel = channel;
    this.out = channel.getInvertedIn();
  }

  /** Opens the subsystem channel on {@code session}. */
  static Opener on(ClientSession session) {
    return (receiver, deadlineNanos) -> open(session, receiver, deadlineNanos);
  }

  private static MinaClientTransport open(ClientSession session, Receiver receiver, long deadlineNanos)
      throws IOException {
    ChannelSubsystem ch = session.createSubsystemChannel(Protocol.SUBSYSTEM);
    ch.setOut(
        new OutputStream() {
          @Override
          public void write(int b) {
            receiver.data(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            receiver.data(b, off, len);
          }
        });
    ch.setErr(OutputStream.nullOutputStream()); // extended data carries no RPC
    ch.addChannelListener(
        new ChannelListener() {
          @Override
          public void channelClosed(Channel c, Throwable reason) {
            receiver.closed(reason);
          }
        });
    long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    if (ms <= 0) {
      ch.close(true);
      throw new IOException("connect timeout");
    }
    try {
      ch.open().verify(ms);
    } catch (IOException | RuntimeException e) {
      ch.close(true);
      throw e;
    }
    return new MinaClientTransport(ch);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() {
    if (!channel.isClosing()) {
      channel.close(false);
    }
  }
}
