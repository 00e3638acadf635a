package org.sshrpc.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.core.CoreModuleProperties;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;

/**
 * Raw sshrpc channels for the soak's attackers: a MINA client that writes whatever bytes it is
 * given on a {@code sshrpc@k2r.org} subsystem channel and reads frames with a deadline, without any
 * of the real client's checks.
 */
final class SoakRaw {
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private SoakRaw() {}

  /** A started client; blocked writes (no SSH window) give up after 15 s instead of forever. */
  /**
   * Where the attackers' SSH logins come from: an address of their own, as attackers on a network
   * have, so the per-source pre-auth limit tells them from the legitimate clients (127.0.0.1).
   */
  static final java.net.InetAddress ATTACKER_SOURCE = loopback(3);

  private static java.net.InetAddress loopback(int last) {
    try {
      return java.net.InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  static SshClient client() {
    SshClient c = MinaSetup.client();
    CoreModuleProperties.WINDOW_TIMEOUT.set(c, Duration.ofSeconds(15));
    CoreModuleProperties.CHANNEL_OPEN_TIMEOUT.set(c, TIMEOUT);
    CoreModuleProperties.AUTH_TIMEOUT.set(c, TIMEOUT);
    return c;
  }

  /** Connects and authenticates as {@code user} with {@code key} (which may not be that user's key). */
  static ClientSession login(SshClient client, String user, KeyPair key, int port) throws IOException {
    ClientSession s =
        client.connect(user, new java.net.InetSocketAddress("127.0.0.1", port), new java.net.InetSocketAddress(ATTACKER_SOURCE, 0))
            .verify(TIMEOUT).getSession();
    try {
      s.addPublicKeyIdentity(key);
      s.auth().verify(TIMEOUT);
      return s;
    } catch (IOException | RuntimeException e) {
      s.close(true);
      throw e;
    }
  }

  /** A subsystem channel; {@code env} is sent as {@code env} requests before the subsystem request. */
  static Chan open(ClientSession s, Map<String, String> env) throws IOException {
    ChannelSubsystem ch = s.createSubsystemChannel(RawSshConn.SUBSYSTEM);
    env.forEach(ch::setEnv);
    ch.open().verify(TIMEOUT);
    return new Chan(ch);
  }

  static Chan open(ClientSession s) throws IOException {
    return open(s, Map.of());
  }

  /** One raw channel. */
  static final class Chan implements AutoCloseable {
    final ChannelSubsystem ch;
    private final OutputStream out;
    private final DataInputStream in;

    Chan(ChannelSubsystem ch) {
      this.ch = ch;
      this.out = ch.getInvertedIn();
      this.in = new DataInputStream(ch.getInvertedOut());
    }

    void write(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    void write(byte[] bytes, int off, int len) throws IOException {
      out.write(bytes, off, len);
      out.flush();
    }

    boolean isOpen() {
      return ch.isOpen() && !ch.isClosing();
    }

    /**
     * Reads one frame within {@code timeout} (the watchdog closes the channel otherwise). A frame
     * over 1 MiB is skipped, not kept: {@link Reply#term} is then null.
     */
    Reply read(Duration timeout, ScheduledExecutorService watchdog) throws IOException {
      ScheduledFuture<?> kill = watchdog.schedule(() -> ch.close(true), timeout.toMillis(), TimeUnit.MILLISECONDS);
      try {
        int len = in.readInt();
        if (len < 0) {
          throw new IOException("bad reply frame length " + (len & 0xffffffffL));
        }
        if (len > (1 << 20)) {
          in.skipNBytes(len);
          return new Reply(len, null);
        }
        byte[] b = new byte[len];
        in.readFully(b);
        return new Reply(len, TermDecoder.DEFAULT.decode(b));
      } finally {
        kill.cancel(false);
      }
    }

    @Override
    public void close() {
      ch.close(true);
    }
  }

  /** A reply frame: its length and, when small, its term. */
  record Reply(int length, Term term) {
    /** True for {@code {answer, {_, -1}}} (v1) or {@code {reply, _, error, _}} / {@code {error, ...}} (v2). */
    boolean isError() {
      if (term == null) {
        return true; // only error replies echo big terms to an attacker allowed nothing
      }
      if (!(term instanceof ErlTuple t) || t.arity() == 0) {
        return false;
      }
      if (t.isTagged("answer", 2) && t.get(1) instanceof ErlTuple rs && rs.arity() == 2) {
        return rs.get(1) instanceof ErlInteger st && st.signum() < 0;
      }
      if (t.isTagged("reply", 4)) {
        return t.get(2).equals(ErlAtom.of("error"));
      }
      return t.isTagged("error", t.arity());
    }
  }
}
