package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.tuple;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.server.ErlangException;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/** The client against the project's Java server speaking v2: pipelining, deadlines, processes. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JavaServerIT {
  @TempDir static Path dir;
  static Path key;
  static RpcServer server;
  static RpcClient client;
  static RpcConnection conn;
  static final BlockingQueue<Term> casts = new ArrayBlockingQueue<>(100);
  static final BlockingQueue<String> interrupted = new ArrayBlockingQueue<>(100);
  static final BlockingQueue<String> started = new ArrayBlockingQueue<>(100);

  /** Waits (bounded) until {@code name} shows up in {@code q}, skipping other tests' leftovers. */
  static boolean await(BlockingQueue<String> q, String name, long seconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (long left; (left = end - System.nanoTime()) > 0; ) {
      String s = q.poll(left, TimeUnit.NANOSECONDS);
      if (name.equals(s)) {
        return true;
      }
    }
    return false;
  }

  static RpcModule testModule() {
    return RpcModule.builder("t")
        .function("echo", 1, (ctx, a) -> a.get(0))
        .function("sleep", 2, (ctx, a) -> {
          Thread.sleep(((ErlInteger) a.get(0)).longValue());
          return a.get(1);
        })
        .function("block", 1, (ctx, a) -> {
          started.add(a.get(0).toString());
          try {
            Thread.sleep(60_000);
            return atom("finished");
          } catch (InterruptedException e) {
            interrupted.add(a.get(0).toString());
            throw e;
          }
        })
        .function("record", 1, (ctx, a) -> {
          casts.add(a.get(0));
          return atom("ok");
        })
        .function("fail", 0, (ctx, a) -> {
          throw new ErlangException(atom("badarith"));
        })
        .process("pinger", 0, (ctx, args) -> (pctx, msg) -> {
          if (msg.equals(atom("stop"))) {
            pctx.exit(atom("normal"));
          } else if (msg instanceof ErlTuple && ((ErlTuple) msg).isTagged("ping", 2)) {
            pctx.send(((ErlTuple) msg).get(1), tuple(atom("pong"), pctx.self()));
          }
        })
        .build();
  }

  @BeforeAll
  static void start() throws Exception {
    key = SshKeys.keygen(dir.resolve("c"), "id", "ed25519", "");
    server = JavaServers.start(dir.resolve("srv"), 0, key, testModule());
    client =
        RpcClient.builder()
            .identity(key)
            .knownHosts(JavaServers.trust(dir.resolve("kh"), server))
            .defaultUser("tester")
            .serverDeadlineGrace(Duration.ofSeconds(10)) // so deadlines are the server's
            .build();
    conn = client.connect("127.0.0.1:" + server.port());
  }

  @AfterAll
  static void stop() {
    if (conn != null) {
      conn.close();
    }
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void negotiatesV2AndCalls() {
    assertEquals(2, conn.protocolVersion());
    assertEquals(atom("hello"), conn.call("t", "echo", atom("hello")));
    RpcException e = assertThrows(RpcException.class, () -> conn.call("t", "fail"));
    assertEquals(Status.RAISED, e.status());
    assertEquals(Status.NOT_FOUND, assertThrows(RpcException.class, () -> conn.call("t", "nope")).status());
  }

  @Test
  void tenThousandConcurrentAsyncCallsWithVariedDurationsAreAllAnsweredCorrectly() throws Exception {
    int n = 10_000;
    List<CompletableFuture<Term>> fs = new ArrayList<>(n);
    ExecutorService submitters = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<CompletableFuture<Term>>>> parts = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int from = t * (n / 4);
        parts.add(submitters.submit(() -> {
          List<CompletableFuture<Term>> mine = new ArrayList<>();
          for (int i = from; i < from + n / 4; i++) {
            mine.add(i % 10 == 0
                ? conn.callAsync("t", "sleep", integer(i % 7), integer(i))
                : conn.callAsync("t", "echo", integer(i)));
          }
          return mine;
        }));
      }
      for (Future<List<CompletableFuture<Term>>> p : parts) {
        fs.addAll(p.get(60, TimeUnit.SECONDS));
      }
    } finally {
      submitters.shutdownNow();
    }
    CompletableFuture.allOf(fs.toArray(new CompletableFuture[0])).get(90, TimeUnit.SECONDS);
    for (int i = 0; i < n; i++) {
      assertEquals(integer(i), fs.get(i).get(), "call " + i + " got another call's reply");
    }
  }

  @Test
  void repliesCompleteOutOfOrder() throws Exception {
    CompletableFuture<Term> slow = conn.callAsync("t", "sleep", integer(3000), atom("slow"));
    CompletableFuture<Term> fast = conn.callAsync("t", "echo", atom("fast"));
    assertEquals(atom("fast"), fast.get(30, TimeUnit.SECONDS));
    assertFalse(slow.isDone(), "the later call was answered first");
    assertEquals(atom("slow"), slow.get(30, TimeUnit.SECONDS));
  }

  @Test
  void deadlineIsEnforcedByTheServer() throws Exception {
    RpcException e = assertThrows(RpcException.class,
        () -> conn.call("t", "block", List.of(atom("deadline")), CallOptions.timeout(Duration.ofMillis(300))));
    assertEquals(Status.DEADLINE_EXCEEDED, e.status());
    assertEquals(atom("timeout"), e.reason(), "the server's timeout reply, not the client's own timer");
    if (await(started, "deadline", 1)) { // else it never started: nothing to interrupt
      assertTrue(await(interrupted, "deadline", 30), "the handler was interrupted");
    }
    CompletableFuture<Term> f = conn.callAsync("t", "block", List.of(atom("deadline_async")), CallOptions.timeout(Duration.ofMillis(300)));
    ExecutionException ee = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
    assertEquals(Status.DEADLINE_EXCEEDED, ((RpcException) ee.getCause()).status());
    if (await(started, "deadline_async", 1)) {
      assertTrue(await(interrupted, "deadline_async", 30));
    }
  }

  @Test
  void cancellingTheFutureCancelsTheCallOnTheServer() throws Exception {
    CompletableFuture<Term> f = conn.callAsync("t", "block", atom("cancel"));
    assertTrue(await(started, "cancel", 30));
    assertTrue(f.cancel(true));
    assertTrue(f.isCancelled());
    assertTrue(await(interrupted, "cancel", 30), "the server interrupted the handler");
    assertEquals(atom("still"), conn.call("t", "echo", atom("still")), "the channel keeps working");
  }

  @Test
  void castRunsWithoutReply() throws Exception {
    conn.cast("t", "record", List.of(atom("cast1")));
    assertEquals(atom("cast1"), casts.poll(30, TimeUnit.SECONDS));
  }

  @Test
  void spawnSendReceiveBothWaysAndRegisteredNames() throws Exception {
    Mailbox mb = conn.mailbox();
    Term pid = conn.spawn("t", "pinger", List.of());
    conn.send(pid, tuple(atom("ping"), mb.pid()));
    assertEquals(Optional.of(tuple(atom("pong"), pid)), mb.receive(Duration.ofSeconds(30)));

    ErlAtom name = ErlAtom.of("pinger_" + System.nanoTime());
    assertTrue(conn.register(name, pid));
    assertEquals(pid, conn.whereis(name));
    conn.send(name, tuple(atom("ping"), mb.pid()));
    assertEquals(Optional.of(tuple(atom("pong"), pid)), mb.receive(Duration.ofSeconds(30)));
    assertEquals(ErlAtom.UNDEFINED, conn.whereis(ErlAtom.of("nobody_here")));
  }

  @Test
  void downArrivesWhenTheProcessExits() throws Exception {
    Mailbox mb = conn.mailbox();
    Term pid = conn.spawn("t", "pinger", List.of());
    Term ref = conn.monitor(mb, pid);
    conn.send(pid, atom("stop"));
    Term down = mb.receive(Duration.ofSeconds(30)).orElseThrow();
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), pid, atom("normal")), down);
  }

  @Test
  void downArrivesWhenTheConnectionThatOwnsTheProcessCloses() throws Exception {
    Term pid;
    try (RpcConnection other = client.connect("127.0.0.1:" + server.port())) {
      pid = other.spawn("t", "pinger", List.of());
    }
    // The spawner may already be gone; then the monitor fires at once with noproc.
    Mailbox mb = conn.mailbox();
    Term ref = conn.monitor(mb, pid);
    ErlTuple down = (ErlTuple) mb.receive(Duration.ofSeconds(30)).orElseThrow();
    assertTrue(down.isTagged("DOWN", 5), down.toString());
    assertEquals(ref, down.get(1));
    assertTrue(down.get(4).equals(atom("noconnection")) || down.get(4).equals(atom("noproc")), down.toString());
  }

  @Test
  void monitorsFireNoconnectionWhenOurConnectionDrops() throws Exception {
    RpcServer s2 = JavaServers.start(dir.resolve("srv-drop"), 0, key, testModule());
    try (RpcClient c =
            RpcClient.builder().identity(key).knownHosts(JavaServers.trust(dir.resolve("kh-drop"), s2)).defaultUser("tester").build();
        RpcConnection cn = c.connect("127.0.0.1:" + s2.port())) {
      Mailbox mb = cn.mailbox();
      Term pid = cn.spawn("t", "pinger", List.of());
      Term ref = cn.monitor(mb, pid);
      CompletableFuture<Term> inFlight = cn.callAsync("t", "sleep", integer(60_000), atom("never"));
      s2.close();
      ExecutionException ee = assertThrows(ExecutionException.class, () -> inFlight.get(30, TimeUnit.SECONDS));
      assertEquals(Status.UNAVAILABLE, ((RpcException) ee.getCause()).status());
      assertEquals(tuple(atom("DOWN"), ref, atom("process"), pid, atom("noconnection")),
          mb.receive(Duration.ofSeconds(30)).orElseThrow());
    } finally {
      s2.close();
    }
  }

  @Test
  void reconnectsAfterTheServerRestartsOnTheSamePort() throws Exception {
    Path srvDir = dir.resolve("srv-restart");
    RpcServer s = JavaServers.start(srvDir, 0, key, testModule());
    int port = s.port();
    try (RpcClient c =
            RpcClient.builder()
                .identity(key)
                .knownHosts(JavaServers.trust(dir.resolve("kh-restart"), s))
                .defaultUser("tester")
                .reconnectPolicy(ReconnectPolicy.builder().initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(200)).build())
                .build();
        RpcConnection cn = c.connect("127.0.0.1:" + port)) {
      assertEquals(atom("a"), cn.call("t", "echo", atom("a")));
      s.close();
      s = JavaServers.start(srvDir, port, key, testModule());
      Term answer = null;
      for (int i = 0; i < 100 && answer == null; i++) {
        try {
          answer = cn.call("t", "echo", atom("b"));
        } catch (RpcException e) {
          assertEquals(Status.UNAVAILABLE, e.status(), e.toString());
          Thread.sleep(50);
        }
      }
      assertEquals(atom("b"), answer);
      assertEquals(2, cn.protocolVersion());
    } finally {
      s.close();
    }
  }

  @Test
  void multicallWithOneNodeDownAndOneSlow() throws Exception {
    RpcServer fast = JavaServers.start(dir.resolve("mc-fast"), 0, key,
        RpcModule.builder("w").function("work", 0, (ctx, a) -> atom("done")).build());
    RpcServer slow = JavaServers.start(dir.resolve("mc-slow"), 0, key,
        RpcModule.builder("w").function("work", 0, (ctx, a) -> {
          Thread.sleep(60_000);
          return atom("late");
        }).build());
    int downPort;
    try (java.net.ServerSocket p = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      downPort = p.getLocalPort();
    }
    Path kh = dir.resolve("kh-mc");
    JavaServers.trust(kh, fast);
    JavaServers.trust(kh, slow);
    try (RpcClient c = RpcClient.builder().identity(key).knownHosts(kh).defaultUser("tester").build()) {
      List<String> nodes = List.of("127.0.0.1:" + fast.port(), "127.0.0.1:" + downPort, "127.0.0.1:" + slow.port());
      MulticallResult r = c.multicall(nodes, "w", "work", List.of(), Duration.ofSeconds(2));
      assertEquals(List.of(atom("done")), new ArrayList<>(r.values().values()));
      assertEquals(List.of(NodeAddress.parse(nodes.get(1)), NodeAddress.parse(nodes.get(2))), new ArrayList<>(r.badNodes().keySet()));
    } finally {
      fast.close();
      slow.close();
    }
  }

  @Test
  void connectsToAnIpv6Literal() throws Exception {
    RpcServer s6 = JavaServers.start(dir.resolve("srv6"), "::1", 0, key, testModule());
    Path kh = dir.resolve("kh6");
    java.nio.file.Files.writeString(kh, "[::1]:" + s6.port() + " " + s6.hostKeys().publicKeyLine() + "\n");
    try (RpcClient c = RpcClient.builder().identity(key).knownHosts(kh).build();
        RpcConnection cn = c.connect("tester@[::1]:" + s6.port())) {
      assertEquals("::1", cn.address().host());
      assertEquals(atom("v6"), cn.call("t", "echo", atom("v6")));
    } finally {
      s6.close();
    }
  }

  @Test
  void interruptingABlockingCallCancelsIt() throws Exception {
    CompletableFuture<RpcException> thrown = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        conn.call("t", "block", atom("interrupt"));
        thrown.complete(null);
      } catch (RpcException e) {
        thrown.complete(e);
      }
    });
    caller.start();
    assertTrue(await(started, "interrupt", 30));
    caller.interrupt();
    RpcException e = thrown.get(30, TimeUnit.SECONDS);
    assertEquals(Status.CANCELLED, e.status());
    assertTrue(await(interrupted, "interrupt", 30), "the server interrupted the handler");
    caller.join(10_000);
  }

  @Test
  void replyLargerThanTheClientLimitFailsTheChannelClearly() throws Exception {
    try (RpcClient c = RpcClient.builder().identity(key).knownHosts(dir.resolve("kh")).defaultUser("tester")
            .maxFrameLength(1024).reconnectPolicy(ReconnectPolicy.NEVER).build();
        RpcConnection cn = c.connect("127.0.0.1:" + server.port())) {
      assertEquals(atom("small"), cn.call("t", "echo", atom("small")));
      RpcException e = assertThrows(RpcException.class, () -> cn.call("t", "echo", org.sshrpc.term.Terms.binary(new byte[4096])));
      assertEquals(Status.INTERNAL, e.status());
      assertTrue(e.getMessage().contains("frame too large") && e.getMessage().contains("<= 1024"), e.getMessage());
      assertFalse(cn.isOpen());
    }
  }

  @Test
  void negotiatesThePolicysFirstCipher() {
    org.apache.sshd.client.session.ClientSession session = ((RealRpcConnection) conn).session();
    String cipher = session.getNegotiatedKexParameter(org.apache.sshd.common.kex.KexProposalOption.C2SENC);
    assertEquals(org.sshrpc.auth.AlgorithmPolicy.defaults().ciphers().get(0), cipher);
  }

  @Test
  void callsBeyondTheServersInFlightLimitWaitAndACancelStillGetsThrough() throws Exception {
    Path d = dir.resolve("srv-limit");
    java.nio.file.Files.createDirectories(d);
    java.nio.file.Files.writeString(d.resolve("authorized_keys"), "sshrpc-user=\"tester\" " + SshKeys.publicLine(key) + "\n");
    RpcServer limited = RpcServer.builder().listen("127.0.0.1", 0).hostKey(d.resolve("host")).authorizedKeys(d.resolve("authorized_keys"))
        .module(testModule()).maxInFlight(2).build().start();
    try (RpcClient c = RpcClient.builder().identity(key).knownHosts(JavaServers.trust(dir.resolve("kh-limit"), limited)).defaultUser("tester").build();
        RpcConnection cn = c.connect("127.0.0.1:" + limited.port())) {
      CompletableFuture<Term> b1 = cn.callAsync("t", "block", atom("limit1"));
      CompletableFuture<Term> b2 = cn.callAsync("t", "block", atom("limit2"));
      CompletableFuture<Term> queued = cn.callAsync("t", "echo", atom("queued"));
      java.util.Set<String> both = new java.util.HashSet<>();
      for (int i = 0; i < 100 && !both.containsAll(List.of("limit1", "limit2")); i++) {
        String s = started.poll(30, TimeUnit.SECONDS);
        if (s == null) {
          break;
        }
        both.add(s);
      }
      assertTrue(both.containsAll(List.of("limit1", "limit2")), both.toString());
      Thread.sleep(200);
      assertFalse(queued.isDone(), "the third call waits for a free slot instead of being refused");
      assertTrue(b1.cancel(true));
      assertEquals(atom("queued"), queued.get(30, TimeUnit.SECONDS));
      assertTrue(await(interrupted, "limit1", 30));
      assertTrue(b2.cancel(true));
      assertTrue(await(interrupted, "limit2", 30));
    } finally {
      limited.close();
    }
  }

  @Test
  void exitStopsAProcessAndDownGoesToTheMonitorsOwnMailbox() throws Exception {
    Mailbox first = conn.mailbox();
    Mailbox second = conn.mailbox();
    Term pid = conn.spawn("t", "pinger", List.of());
    Term ref = conn.monitor(second, pid);
    conn.exit(pid, atom("kill"));
    ErlTuple down = (ErlTuple) second.receive(Duration.ofSeconds(30)).orElseThrow();
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), pid), tuple(down.get(0), down.get(1), down.get(2), down.get(3)));
    assertTrue(first.poll().isEmpty(), "DOWN must not land in another mailbox");
  }
}
