package org.sshrpc.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.core.CoreModuleProperties;
import org.sshrpc.auth.AlgorithmPolicy;
import org.sshrpc.client.RpcClient;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.Terms;

/**
 * A real {@link RpcServer} on 127.0.0.1 port 0 with a test module {@code t}, a user {@code alice}
 * whose key is in authorized_keys, and helpers to reach it with the real client or with a raw MINA
 * SSH client that writes arbitrary bytes into the subsystem.
 */
final class HardeningFixture implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  final Path dir;
  final KeyPair alice;
  final RpcServer server;
  final Path knownHosts;
  private final SshClient raw;

  private HardeningFixture(Path dir, KeyPair alice, RpcServer server, Path knownHosts) {
    this.dir = dir;
    this.alice = alice;
    this.server = server;
    this.knownHosts = knownHosts;
    this.raw = newRawClient();
  }

  /** A started raw MINA client for this server (the caller stops it). */
  static SshClient newRawClient() {
    SshClient raw = SshClient.setUpDefaultClient();
    AlgorithmPolicy.defaults().applyTo(raw);
    raw.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE); // loopback test server only
    CoreModuleProperties.TCP_NODELAY.set(raw, true);
    // Ask for replies, so a refused request is visible as a failure rather than silence.
    CoreModuleProperties.REQUEST_EXEC_REPLY.set(raw, true);
    CoreModuleProperties.REQUEST_SHELL_REPLY.set(raw, true);
    CoreModuleProperties.REQUEST_SUBSYSTEM_REPLY.set(raw, true);
    raw.start();
    return raw;
  }

  /** An authenticated session of {@code client} as alice. */
  ClientSession rawSession(SshClient client) throws IOException {
    ClientSession s = client.connect("alice", "127.0.0.1", server.port()).verify(TIMEOUT).getSession();
    s.addPublicKeyIdentity(alice);
    s.auth().verify(TIMEOUT);
    return s;
  }

  static HardeningFixture start(Path dir, ServerLimits limits) throws Exception {
    return start(dir, limits, b -> {});
  }

  static HardeningFixture start(Path dir, ServerLimits limits, Consumer<RpcServer.Builder> more) throws Exception {
    KeyPair alice = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    Path ak = dir.resolve("authorized_keys");
    Files.writeString(ak, "sshrpc-user=\"alice\" " + PublicKeyEntry.toString(alice.getPublic()) + " alice\n");
    RpcServer.Builder b =
        RpcServer.builder()
            .listen("127.0.0.1", 0)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(ak)
            .limits(limits)
            .executorThreads(4)
            .closeTimeout(Duration.ofSeconds(1))
            .module(testModule());
    more.accept(b);
    RpcServer server = b.build().start();
    Path kh = dir.resolve("known_hosts");
    Files.writeString(kh, "[127.0.0.1]:" + server.port() + " " + PublicKeyEntry.toString(server.hostKeys().publicKey()) + "\n");
    return new HardeningFixture(dir, alice, server, kh);
  }

  /**
   * The module {@code t}: {@code echo/1}, {@code sleep/1} (ms), {@code block/0} (until
   * interrupted), {@code boom/0} (throws), {@code oom/0} (asks for more heap than there is),
   * {@code huge/0} (a result too large to encode), {@code blob/1} (a binary of N bytes).
   */
  static RpcModule testModule() {
    return RpcModule.builder("t")
        .function("echo", 1, (ctx, a) -> a.get(0))
        .function("sleep", 1, (ctx, a) -> {
          Thread.sleep(((ErlInteger) a.get(0)).longValue());
          return Terms.atom("ok");
        })
        .function("block", 0, (ctx, a) -> {
          new java.util.concurrent.CountDownLatch(1).await();
          return Terms.atom("unreachable");
        })
        .function("boom", 0, (ctx, a) -> {
          throw new IllegalStateException("boom");
        })
        .function("oom", 0, (ctx, a) -> {
          long[] hog = new long[Integer.MAX_VALUE - 16]; // ~16 GiB: more than any test heap
          return Terms.integer(hog.length);
        })
        .function("huge", 0, (ctx, a) -> {
          // 3,000 references to one 1 MiB binary: ~3 GB encoded, past what one frame can hold,
          // while the server holds only 1 MiB.
          ErlBinary mib = ErlBinary.of(new byte[1 << 20]);
          return org.sshrpc.term.ErlList.of(java.util.Collections.nCopies(3000, mib));
        })
        .function("blob", 1, (ctx, a) -> ErlBinary.of(new byte[(int) ((ErlInteger) a.get(0)).longValue()]))
        .build();
  }

  RpcClient client() {
    return RpcClient.builder().identity(alice).knownHosts(knownHosts).defaultUser("alice").build();
  }

  String target() {
    return "alice@127.0.0.1:" + server.port();
  }

  /** An authenticated raw SSH session (not yet any channel). */
  ClientSession rawSession() throws IOException {
    ClientSession s = raw.connect("alice", "127.0.0.1", server.port()).verify(TIMEOUT).getSession();
    s.addPublicKeyIdentity(alice);
    s.auth().verify(TIMEOUT);
    return s;
  }

  /** A raw session with the sshrpc subsystem open. */
  Raw rawChannel() throws IOException {
    ClientSession s = rawSession();
    ChannelSubsystem ch = s.createSubsystemChannel(RpcSubsystemFactory.NAME);
    ch.open().verify(TIMEOUT);
    return new Raw(s, ch);
  }

  SshClient rawClient() {
    return raw;
  }

  RpcService service() {
    return server.service();
  }

  @Override
  public void close() {
    raw.stop();
    server.close();
  }

  /** One subsystem channel written and read as raw bytes. */
  static final class Raw implements AutoCloseable {
    final ClientSession session;
    final ChannelSubsystem channel;
    final OutputStream out;
    final InputStream in;

    Raw(ClientSession session, ChannelSubsystem channel) {
      this.session = session;
      this.channel = channel;
      this.out = channel.getInvertedIn();
      this.in = channel.getInvertedOut();
    }

    void write(byte[] b) throws IOException {
      out.write(b);
      out.flush();
    }

    void writeFrame(byte[] content) throws IOException {
      write(frame(content));
    }

    void writeTerm(Term t) throws IOException {
      writeFrame(TermEncoder.DEFAULT.encode(t));
    }

    /** Reads one reply frame; null on EOF. */
    Term readTerm() throws IOException {
      byte[] h = in.readNBytes(4);
      if (h.length < 4) {
        return null;
      }
      int n = ((h[0] & 0xFF) << 24) | ((h[1] & 0xFF) << 16) | ((h[2] & 0xFF) << 8) | (h[3] & 0xFF);
      byte[] body = in.readNBytes(n);
      if (body.length < n) {
        return null;
      }
      return TermDecoder.DEFAULT.decode(body);
    }

    /** Reads until EOF (the server closed the channel), returning what came; bounded by the channel timeout. */
    byte[] drain() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toByteArray();
    }

    /** Waits until the channel is closed by the server. */
    boolean awaitClosed(Duration d) {
      return !channel.waitFor(List.of(org.apache.sshd.client.channel.ClientChannelEvent.CLOSED), d.toMillis())
          .contains(org.apache.sshd.client.channel.ClientChannelEvent.TIMEOUT);
    }

    @Override
    public void close() {
      channel.close(true);
      session.close(true);
    }
  }

  static byte[] frame(byte[] content) {
    byte[] f = new byte[4 + content.length];
    f[0] = (byte) (content.length >>> 24);
    f[1] = (byte) (content.length >>> 16);
    f[2] = (byte) (content.length >>> 8);
    f[3] = (byte) content.length;
    System.arraycopy(content, 0, f, 4, content.length);
    return f;
  }

  /** Polls {@code cond} every 20 ms up to {@code d}. */
  static boolean eventually(Duration d, java.util.function.BooleanSupplier cond) throws InterruptedException {
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      if (cond.getAsBoolean()) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return cond.getAsBoolean();
  }
}
