package org.sshrpc.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.core.CoreModuleProperties;
import org.sshrpc.auth.AlgorithmPolicy;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.wire.FrameEncoder;

/**
 * A raw sshrpc client for tests: a real MINA {@link SshClient} that writes frames and reads frames
 * on subsystem channels, with no knowledge of the protocol beyond framing.
 */
final class RawClient implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(10);

  final SshClient client;
  final ClientSession session;

  RawClient(InetSocketAddress server, PublicKey hostKey, String user, KeyPair key) throws IOException {
    client = SshClient.setUpDefaultClient();
    AlgorithmPolicy.defaults().applyTo(client);
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    CoreModuleProperties.REQUEST_EXEC_REPLY.set(client, true);
    CoreModuleProperties.REQUEST_SHELL_REPLY.set(client, true);
    CoreModuleProperties.REQUEST_SUBSYSTEM_REPLY.set(client, true);
    client.setServerKeyVerifier(new RequiredServerKeyVerifier(hostKey));
    client.start();
    session = client.connect(user, server).verify(WAIT).getSession();
    if (key != null) {
      session.addPublicKeyIdentity(key);
    }
  }

  static RawClient connect(ServerFixture f, String user, KeyPair key) throws IOException {
    RawClient c = new RawClient(f.server.boundAddresses().get(0), f.server.hostKeys().publicKey(), user, key);
    c.session.auth().verify(WAIT);
    return c;
  }

  Channel open(String subsystem) throws IOException {
    ChannelSubsystem ch = session.createSubsystemChannel(subsystem);
    ch.open().verify(WAIT);
    return new Channel(ch);
  }

  Channel open() throws IOException {
    return open(RpcSubsystemFactory.NAME);
  }

  @Override
  public void close() throws IOException {
    session.close(true);
    client.stop();
  }

  /** One subsystem channel: frames out, frames in. */
  static final class Channel implements AutoCloseable {
    final ChannelSubsystem ch;
    final OutputStream out;
    final DataInputStream in;

    Channel(ChannelSubsystem ch) {
      this.ch = ch;
      this.out = ch.getInvertedIn();
      this.in = new DataInputStream(ch.getInvertedOut());
    }

    /** Writes the frames of {@code terms} in one SSH data message. */
    void send(Term... terms) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (Term t : terms) {
        b.writeBytes(FrameEncoder.frame(t));
      }
      sendRaw(b.toByteArray());
    }

    /** Writes bytes as one SSH data message. */
    void sendRaw(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    /** Reads one frame and decodes it. */
    Term read() throws IOException {
      int len = in.readInt();
      byte[] b = new byte[len];
      in.readFully(b);
      return TermDecoder.DEFAULT.decode(b);
    }

    /** True once the server closed the channel (EOF on its output). */
    boolean closedByServer() throws IOException {
      InputStream s = ch.getInvertedOut();
      try {
        return s.read() < 0;
      } catch (EOFException e) {
        return true;
      }
    }

    void waitClosed() {
      ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
    }

    @Override
    public void close() throws IOException {
      ch.close(false);
    }
  }
}
