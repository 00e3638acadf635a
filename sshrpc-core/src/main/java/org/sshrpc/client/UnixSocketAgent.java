package org.sshrpc.client;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.sshd.agent.common.AbstractAgentProxy;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * A client of an OpenSSH {@code ssh-agent} on a Unix-domain socket (as named by {@code
 * SSH_AUTH_SOCK}), through the JDK's own Unix-domain {@link SocketChannel} (Java 16+): no native
 * library. MINA SSHD's {@link AbstractAgentProxy} encodes the requests (list identities, sign);
 * this class only carries them. One request at a time; the socket is opened at first use.
 */
class UnixSocketAgent extends AbstractAgentProxy {
  /** Largest answer read from the agent: a key list or a signature is far smaller. */
  static final int MAX_ANSWER = 256 * 1024;

  private final Path socket;
  private SocketChannel channel;

  UnixSocketAgent(Path socket) {
    super(null);
    this.socket = socket;
  }

  Path socket() {
    return socket;
  }

  /** The agent's keys and their comments, in the agent's order. */
  List<Map.Entry<PublicKey, String>> listKeys() throws IOException {
    List<Map.Entry<PublicKey, String>> keys = new ArrayList<>();
    for (Map.Entry<PublicKey, String> e : getIdentities()) {
      keys.add(Map.entry(e.getKey(), e.getValue() == null ? "" : e.getValue()));
    }
    return keys;
  }

  @Override
  protected synchronized Buffer request(Buffer buffer) throws IOException {
    if (channel == null) {
      SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        c.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException | RuntimeException e) {
        c.close();
        throw new IOException("cannot connect to ssh-agent at " + socket + ": " + e.getMessage(), e);
      }
      channel = c;
    }
    ByteBuffer out = ByteBuffer.wrap(buffer.array(), buffer.rpos(), buffer.available());
    while (out.hasRemaining()) {
      channel.write(out);
    }
    ByteBuffer len = ByteBuffer.allocate(4);
    readFully(len);
    int n = len.flip().getInt();
    if (n <= 0 || n > MAX_ANSWER) {
      throw new IOException("bad ssh-agent answer length " + n + " (expected: 1.." + MAX_ANSWER + ")");
    }
    ByteBuffer body = ByteBuffer.allocate(n);
    readFully(body);
    return new ByteArrayBuffer(body.array());
  }

  private void readFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) {
        throw new IOException("ssh-agent at " + socket + " closed the connection");
      }
    }
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public synchronized void close() throws IOException {
    super.close();
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  @Override
  public String toString() {
    return "ssh-agent " + socket;
  }
}
