package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.kex.KexState;
import org.apache.sshd.common.util.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermLimits;

/**
 * Hostile input over real SSH (peers.md §3, issue 6 item 4). Every case ends by checking that a
 * well-behaved client on another connection still gets its call answered, and that what the
 * server held for the attacker stayed bounded (its own accounting of unreleased input and queued
 * replies, and the heap after a GC).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdversarialIT {
  /** Generous: the test JVM also holds the attacking client's buffers. */
  private static final long HEAP_BOUND = 512L << 20;

  @TempDir Path dir;
  HardeningFixture fx;
  final List<String> audit = new CopyOnWriteArrayList<>();

  private HardeningFixture start(ServerLimits limits) throws Exception {
    AuditLog.tap = audit::add;
    fx = HardeningFixture.start(dir, limits);
    return fx;
  }

  @AfterEach
  void stop() {
    AuditLog.tap = null;
    if (fx != null) {
      fx.close();
    }
  }

  /** A normal client on its own connection gets its answer, and the server's memory is bounded. */
  private void serverStillServes() throws Exception {
    serverStillServes(0);
  }

  /** As {@link #serverStillServes()}, allowing one reply of {@code largestReply} bytes beyond the queue limit. */
  private void serverStillServes(long largestReply) throws Exception {
    try (RpcClient c = fx.client(); RpcConnection conn = c.connect(fx.target())) {
      assertEquals(integer(42), conn.call("t", "echo", integer(42)));
    }
    RpcService.Peaks p = fx.service().peaks;
    long window = 2L << 20; // MINA's default channel window: what a peer can make us hold unreleased
    assertTrue(p.heldInputBytes() <= window + (64 << 10), "held input " + p.heldInputBytes());
    assertTrue(
        p.outboundBytes() <= fx.server.limits().maxOutboundBytesPerChannel() + largestReply + (64 << 10),
        "queued replies " + p.outboundBytes());
    System.gc();
    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    assertTrue(used < HEAP_BOUND, "heap used after GC: " + used);
  }

  private static Term mfa(String m, String f, Term... args) {
    return tuple(atom("mfa"), tuple(atom(m), atom(f), list(args)));
  }

  /** {@code {answer, {{exec_error, {badframe, Detail}}, -1}}}: the Detail text. */
  private static String badframeDetail(Term answer) {
    ErlTuple a = (ErlTuple) answer;
    assertEquals(atom("answer"), a.get(0), String.valueOf(answer));
    ErlTuple body = (ErlTuple) a.get(1);
    assertEquals(integer(-1), body.get(1), String.valueOf(answer));
    ErlTuple err = (ErlTuple) body.get(0);
    assertEquals(atom("exec_error"), err.get(0), String.valueOf(answer));
    ErlTuple bad = (ErlTuple) err.get(1);
    assertEquals(atom("badframe"), bad.get(0), String.valueOf(answer));
    return ((org.sshrpc.term.ErlBinary) bad.get(1)).utf8String();
  }

  @Test
  void randomFramesEachGetOneErrorAnswerAndTheChannelKeepsServing() throws Exception {
    start(ServerLimits.DEFAULT);
    Random rnd = new Random(6);
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      int n = 200;
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      for (int i = 0; i < n; i++) {
        byte[] junk = new byte[rnd.nextInt(300)];
        rnd.nextBytes(junk);
        if (junk.length > 0 && i % 2 == 0) {
          junk[0] = (byte) 131; // half of them look like ETF, to get past the version byte
        }
        all.writeBytes(HardeningFixture.frame(junk));
      }
      r.write(all.toByteArray());
      for (int i = 0; i < n; i++) {
        Term answer = r.readTerm();
        assertNotNull(answer, "answer " + i);
        assertEquals(integer(-1), ((ErlTuple) ((ErlTuple) answer).get(1)).get(1), "frame " + i + ": " + answer);
      }
      r.writeTerm(mfa("t", "echo", atom("still_here")));
      assertEquals(tuple(atom("answer"), tuple(atom("still_here"), integer(0))), r.readTerm());
    }
    serverStillServes();
  }

  @Test
  void truncatedFrameThenEofClosesTheChannelWithoutAnAnswer() throws Exception {
    start(ServerLimits.DEFAULT);
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      byte[] whole = HardeningFixture.frame(org.sshrpc.term.TermEncoder.DEFAULT.encode(mfa("t", "echo", atom("x"))));
      r.write(java.util.Arrays.copyOf(whole, whole.length - 3));
      r.channel.getInvertedIn().close(); // EOF mid-frame
      assertTrue(r.awaitClosed(Duration.ofSeconds(10)), "server closed the channel");
    }
    serverStillServes();
  }

  @Test
  void lengthHeaderFFFFFFFFClosesTheChannelBeforeAllocating() throws Exception {
    start(ServerLimits.DEFAULT);
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      r.write(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 131, 106});
      assertTrue(r.awaitClosed(Duration.ofSeconds(10)), "server closed the channel");
    }
    assertTrue(audit.stream().anyMatch(l -> l.contains("channel_closed") && l.contains("frame too large: 4294967295")), audit.toString());
    assertTrue(fx.service().peaks.heldInputBytes() < 1024);
    serverStillServes();
  }

  @Test
  void nestingAMillionDeepIsRejectedAndTheChannelKeepsServing() throws Exception {
    start(ServerLimits.DEFAULT);
    int depth = 1_000_000;
    byte[] etf = new byte[1 + 2 * depth + 1];
    etf[0] = (byte) 131;
    for (int i = 0; i < depth; i++) {
      etf[1 + 2 * i] = 104; // SMALL_TUPLE_EXT, arity 1
      etf[2 + 2 * i] = 1;
    }
    etf[etf.length - 1] = 106; // NIL_EXT innermost
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      r.writeFrame(etf);
      String detail = badframeDetail(r.readTerm());
      assertTrue(detail.contains("depth"), detail);
      r.writeTerm(mfa("t", "echo", integer(1)));
      assertEquals(tuple(atom("answer"), tuple(integer(1), integer(0))), r.readTerm());
    }
    serverStillServes();
  }

  private static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(9);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 << 10];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  /** ETF {@code 131, 80, DeclaredSize:32, Zlib} around {@code inner} (an encoded term without its version byte). */
  private static byte[] compressed(byte[] inner, long declared) {
    byte[] z = deflate(inner);
    byte[] etf = new byte[6 + z.length];
    etf[0] = (byte) 131;
    etf[1] = 80;
    etf[2] = (byte) (declared >>> 24);
    etf[3] = (byte) (declared >>> 16);
    etf[4] = (byte) (declared >>> 8);
    etf[5] = (byte) declared;
    System.arraycopy(z, 0, etf, 6, z.length);
    return etf;
  }

  @Test
  void compressedTermInflatingPastTheLimitIsRejected() throws Exception {
    int cap = 1 << 20;
    start(ServerLimits.builder().termLimits(TermLimits.builder().maxDecompressedBytes(cap).build()).build());
    // BINARY_EXT of 100 MB of zeros: ~100 KB compressed.
    int size = 100_000_000;
    byte[] inner = new byte[5 + size];
    inner[0] = 109;
    inner[1] = (byte) (size >>> 24);
    inner[2] = (byte) (size >>> 16);
    inner[3] = (byte) (size >>> 8);
    inner[4] = (byte) size;
    byte[] honest = compressed(inner, inner.length); // declares its real size: over the cap
    byte[] liar = compressed(inner, cap - 1); // declares less than it inflates to
    inner = null;
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      r.writeFrame(honest);
      String d1 = badframeDetail(r.readTerm());
      r.writeFrame(liar);
      String d2 = badframeDetail(r.readTerm());
      // 1000:1 is refused by the server's compression-ratio bound before inflating anything.
      assertTrue(d1.startsWith("compressed term declares 100000005 bytes from") && d1.endsWith("expected: <= 64)"), d1);
      assertFalse(d2.isEmpty());
      r.writeTerm(mfa("t", "echo", integer(2)));
      assertEquals(tuple(atom("answer"), tuple(integer(2), integer(0))), r.readTerm());
    }
    serverStillServes();
  }

  @Test
  void aMillionDistinctAtomsAreAnsweredAndLeaveNothingBehind() throws Exception {
    start(ServerLimits.DEFAULT);
    int n = 1_000_000;
    ByteArrayOutputStream b = new ByteArrayOutputStream(12 * n);
    // {mfa, {t, echo, [[a0, a1, ...]]}}
    b.write(131);
    b.writeBytes(new byte[] {104, 2, 119, 3, 'm', 'f', 'a', 104, 3, 119, 1, 't', 119, 4, 'e', 'c', 'h', 'o'});
    b.writeBytes(new byte[] {108, 0, 0, 0, 1}); // the argument list, one element
    b.writeBytes(new byte[] {108, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    for (int i = 0; i < n; i++) {
      byte[] name = ("a" + i).getBytes(StandardCharsets.US_ASCII);
      b.write(119);
      b.write(name.length);
      b.writeBytes(name);
    }
    b.write(106);
    b.write(106);
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      r.writeFrame(b.toByteArray());
      b = null;
      Term answer = r.readTerm();
      ErlTuple body = (ErlTuple) ((ErlTuple) answer).get(1);
      assertEquals(integer(0), body.get(1));
      assertEquals(n, ((ErlList) body.get(0)).size());
    }
    serverStillServes(12L * n); // the one echo reply itself is ~9 MB
  }

  @Test
  void aFrameTrickledOneBytePerSecondIsCutOffByTheFrameTimeout() throws Exception {
    start(ServerLimits.builder().frameTimeout(Duration.ofSeconds(2)).build());
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      byte[] f = HardeningFixture.frame(org.sshrpc.term.TermEncoder.DEFAULT.encode(mfa("t", "echo", atom("slow"))));
      int sent = 0;
      boolean closed = false;
      for (; sent < f.length && !closed; sent++) {
        try {
          r.write(new byte[] {f[sent]});
        } catch (IOException e) {
          closed = true;
          break;
        }
        closed = r.awaitClosed(Duration.ofSeconds(1));
      }
      assertTrue(closed || r.awaitClosed(Duration.ofSeconds(5)), "cut off");
      assertTrue(sent < f.length, "cut off before the frame was complete (" + sent + " of " + f.length + ")");
    }
    assertTrue(audit.stream().anyMatch(l -> l.contains("channel_closed") && l.contains("frame incomplete after 2000 ms")), audit.toString());
    serverStillServes();
  }

  @Test
  void aClientThatNeverReadsRepliesCannotMakeTheServerQueueMore() throws Exception {
    start(ServerLimits.DEFAULT);
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      byte[] req = HardeningFixture.frame(
          org.sshrpc.term.TermEncoder.DEFAULT.encode(mfa("t", "echo", org.sshrpc.term.ErlBinary.of(new byte[32 << 10]))));
      // 4,000 echoes of 32 KiB: 128 MiB each way if the server read and queued them all.
      Future<Integer> written = writer.submit(() -> {
        int i = 0;
        OutputStream out = r.channel.getInvertedIn();
        try {
          for (; i < 4000; i++) {
            out.write(req);
            out.flush();
          }
        } catch (IOException e) {
          // the channel was closed under us at the end of the test
        }
        return i;
      });
      // The server stops reading once its queue is full, so the writer stalls well short of 4,000.
      Thread.sleep(3000);
      assertFalse(written.isDone(), "the writer was never held back");
      serverStillServes();
      long queued = fx.service().peaks.outboundBytes();
      assertTrue(queued <= fx.server.limits().maxOutboundBytesPerChannel() + (40 << 10), "queued " + queued);
      r.close();
      written.get(20, TimeUnit.SECONDS);
    } finally {
      writer.shutdownNow();
    }
  }

  @Test
  void fiveHundredConnectionsAtOnceAreCappedAndTimedOut() throws Exception {
    // All from 127.0.0.1: the per-source limit is lifted so that the global hard limit is what is tested.
    start(ServerLimits.builder().maxUnauthenticated(64).maxUnauthenticatedPerSource(1000).authTimeout(Duration.ofSeconds(3)).build());
    int n = 500;
    List<Socket> sockets = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<Socket>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(pool.submit(() -> {
          Socket s = new Socket();
          s.connect(new InetSocketAddress("127.0.0.1", fx.server.port()), 10_000);
          s.getOutputStream().write("SSH-2.0-stall\r\n".getBytes(StandardCharsets.US_ASCII));
          return s;
        }));
      }
      for (Future<Socket> f : fs) {
        try {
          sockets.add(f.get(30, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException refusedEarly) {
          // a connection reset while connecting is a refusal too
        }
      }
      ConnectionGuard g = fx.server.connectionGuard();
      assertTrue(g.unauthenticated() <= 64, "unauthenticated " + g.unauthenticated());
      // With a listen queue of 1,024 every connect completes in the kernel at once, before MINA has
      // accepted them all, so the refusals come while the server drains its queue.
      assertTrue(HardeningFixture.eventually(Duration.ofSeconds(20), () -> audit.stream().anyMatch(
          l -> l.contains("connection_refused") && l.contains("unauthenticated connections at limit (64)"))),
          "no connection_refused audit line at the limit");
      assertTrue(g.unauthenticated() <= 64, "unauthenticated " + g.unauthenticated());
      // The stalled handshakes time out, which frees the slots for a real client.
      assertTrue(HardeningFixture.eventually(Duration.ofSeconds(20), () -> g.unauthenticated() == 0), "auth timeout freed the slots");
      serverStillServes();
      // Connections the kernel completed but MINA accepted late (a loaded machine) time out too.
      assertTrue(HardeningFixture.eventually(Duration.ofSeconds(20), () -> g.unauthenticated() == 0),
          "unauthenticated " + g.unauthenticated());
      // Every one of the 500 was closed by the server (refused at once, or timed out): none leaked.
      for (Socket s : sockets) {
        s.setSoTimeout(5000);
        try {
          java.io.InputStream in = s.getInputStream();
          while (in.read() >= 0) {
            // the server's version line, then EOF
          }
        } catch (java.net.SocketTimeoutException leaked) {
          fail("a connection was left open by the server");
        } catch (IOException reset) {
          // closed with a reset: closed too
        }
      }
    } finally {
      pool.shutdownNow();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /** A raw SSH session through key exchange only: no authentication is attempted. */
  private ClientSession kexOnly() throws Exception {
    ClientSession s = fx.rawClient().connect("alice", "127.0.0.1", fx.server.port()).verify(HardeningFixture.TIMEOUT).getSession();
    assertTrue(HardeningFixture.eventually(Duration.ofSeconds(10), () -> s.getKexState() == KexState.DONE), "kex done");
    return s;
  }

  /** Writes a packet unless the server has already closed the session. */
  private static void writeQuietly(ClientSession s, Buffer b) {
    try {
      s.writePacket(b);
    } catch (IOException closing) {
      // the server disconnected at an earlier packet: that is the point
    }
  }

  private static Buffer channelOpen(ClientSession s) {
    Buffer b = s.createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN, 64);
    b.putString("session");
    b.putUInt(0); // sender channel
    b.putUInt(2 << 20);
    b.putUInt(32 << 10);
    return b;
  }

  private static Buffer channelRequestSubsystem(ClientSession s) {
    Buffer b = s.createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
    b.putUInt(0);
    b.putString("subsystem");
    b.putBoolean(true);
    b.putString(RpcSubsystemFactory.NAME);
    return b;
  }

  private static Buffer channelData(ClientSession s) {
    Buffer b = s.createBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, 64);
    b.putUInt(0);
    b.putBytes(HardeningFixture.frame(org.sshrpc.term.TermEncoder.DEFAULT.encode(mfa("t", "echo", atom("pwned")))));
    return b;
  }

  private static Buffer globalRequest(ClientSession s) {
    Buffer b = s.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, 64);
    b.putString("tcpip-forward");
    b.putBoolean(true);
    b.putString("127.0.0.1");
    b.putUInt(0);
    return b;
  }

  @Test
  void connectionProtocolMessagesBeforeAuthDisconnectWithoutDecoding() throws Exception {
    start(ServerLimits.DEFAULT);
    List<java.util.function.Function<ClientSession, Buffer>> attacks =
        List.of(AdversarialIT::channelOpen, AdversarialIT::channelRequestSubsystem, AdversarialIT::channelData, AdversarialIT::globalRequest);
    for (java.util.function.Function<ClientSession, Buffer> attack : attacks) {
      ClientSession s = kexOnly();
      Buffer packet = attack.apply(s);
      String what = SshConstants.getCommandMessageName(packet.array()[packet.rpos()] & 0xFF);
      s.writePacket(packet); // the first one already ends the connection
      writeQuietly(s, channelRequestSubsystem(s)); // the rest of the CVE-2025-32433 sequence
      writeQuietly(s, channelData(s));
      assertTrue(s.waitFor(List.of(org.apache.sshd.client.session.ClientSession.ClientSessionEvent.CLOSED), 10_000)
          .contains(org.apache.sshd.client.session.ClientSession.ClientSessionEvent.CLOSED), what + ": disconnected");
      s.close(true);
    }
    // Again after a failed authentication attempt (a key the server does not know).
    ClientSession s = kexOnly();
    s.addPublicKeyIdentity(org.apache.sshd.common.config.keys.KeyUtils.generateKeyPair("ssh-ed25519", 256));
    try {
      s.auth().verify(HardeningFixture.TIMEOUT);
      fail("an unknown key authenticated");
    } catch (IOException expected) {
      // refused
    }
    if (s.isOpen()) {
      writeQuietly(s, channelOpen(s));
      writeQuietly(s, channelRequestSubsystem(s));
      writeQuietly(s, channelData(s));
      assertTrue(s.waitFor(List.of(org.apache.sshd.client.session.ClientSession.ClientSessionEvent.CLOSED), 10_000)
          .contains(org.apache.sshd.client.session.ClientSession.ClientSessionEvent.CLOSED), "disconnected after failed auth");
    }
    s.close(true);
    assertEquals(0, fx.service().sessionsOpened.get(), "no sshrpc channel was ever created");
    assertTrue(audit.stream().noneMatch(l -> l.contains("pwned") || (" " + l).contains(" call ")), audit.toString());
    assertTrue(audit.stream().anyMatch(l -> l.contains("auth_failed") && l.contains("before authentication")), audit.toString());
    serverStillServes();
    assertEquals(1, fx.service().sessionsOpened.get());
  }

  @Test
  void shellExecPtyForwardingAndOtherSubsystemsAreRefusedEnvIsTolerated() throws Exception {
    start(ServerLimits.DEFAULT);
    try (ClientSession s = fx.rawSession()) {
      org.apache.sshd.client.channel.ChannelExec exec = s.createExecChannel("id");
      assertRequestRefused(exec, "exec");
      org.apache.sshd.client.channel.ChannelShell shell = s.createShellChannel();
      shell.setUsePty(true);
      assertRequestRefused(shell, "pty/shell");
      org.apache.sshd.client.channel.ChannelSubsystem sftp = s.createSubsystemChannel("sftp");
      assertRequestRefused(sftp, "sftp");
      try {
        s.startRemotePortForwarding(new org.apache.sshd.common.util.net.SshdSocketAddress("127.0.0.1", 0),
            new org.apache.sshd.common.util.net.SshdSocketAddress("127.0.0.1", 1));
        fail("tcpip-forward was granted");
      } catch (IOException refused) {
        // expected: the global request failed
      }
      org.apache.sshd.client.channel.ChannelDirectTcpip direct =
          s.createDirectTcpipChannel(new org.apache.sshd.common.util.net.SshdSocketAddress("127.0.0.1", 0),
              new org.apache.sshd.common.util.net.SshdSocketAddress("127.0.0.1", fx.server.port()));
      try {
        direct.open().verify(HardeningFixture.TIMEOUT);
        fail("direct-tcpip was opened");
      } catch (IOException refused) {
        // expected: channel open failure
      }
      // env before the subsystem, as OpenSSH sends it: tolerated, and the channel works.
      org.apache.sshd.client.channel.ChannelSubsystem rpc = s.createSubsystemChannel(RpcSubsystemFactory.NAME);
      rpc.setEnv("LANG", "C");
      rpc.open().verify(HardeningFixture.TIMEOUT);
      HardeningFixture.Raw r = new HardeningFixture.Raw(s, rpc);
      r.writeTerm(mfa("t", "echo", atom("env_ok")));
      assertEquals(tuple(atom("answer"), tuple(atom("env_ok"), integer(0))), r.readTerm());
    }
    serverStillServes();
  }

  /** The channel opens, its request gets a failure, and nothing runs: MINA closes it or reports the failure. */
  private static void assertRequestRefused(org.apache.sshd.client.channel.ClientChannel ch, String what) throws Exception {
    try {
      ch.open().verify(HardeningFixture.TIMEOUT);
    } catch (IOException refused) {
      return; // MINA reports the request failure as an open failure
    }
    boolean closed = !ch.waitFor(List.of(org.apache.sshd.client.channel.ClientChannelEvent.CLOSED), 10_000)
        .contains(org.apache.sshd.client.channel.ClientChannelEvent.TIMEOUT);
    assertTrue(closed, what + " request was not refused");
    assertNull(ch.getExitStatus(), what + " ran something");
  }
}
