package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.integer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;

/**
 * The pre-authentication limits over real SSH on loopback (issue 10, reproduction 5): idle sockets
 * from one source cannot lock out logins from another, the per-source limit and the random early
 * drop refuse with their audited reasons, and a socket that never sends its SSH version line is
 * closed. Distinct sources on loopback: Linux lets a client bind any 127.0.0.0/8 address, and the
 * server listening on 127.0.0.1 accepts connections from 127.0.0.2.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PreAuthIT {
  private static final String ATTACKER = "127.0.0.2";
  private static final String LEGIT = "127.0.0.1";

  @TempDir Path dir;
  HardeningFixture fx;
  final List<String> audit = new CopyOnWriteArrayList<>();
  final List<Socket> sockets = new CopyOnWriteArrayList<>();

  private void start(ServerLimits limits) throws Exception {
    start(limits, b -> {});
  }

  private void start(ServerLimits limits, java.util.function.Consumer<RpcServer.Builder> more) throws Exception {
    AuditLog.tap = audit::add;
    fx = HardeningFixture.start(dir, limits, more);
  }

  @AfterEach
  void stop() throws IOException {
    AuditLog.tap = null;
    for (Socket s : sockets) {
      s.close();
    }
    if (fx != null) {
      fx.close();
    }
  }

  /** A TCP connection from {@code from} to the server that sends nothing. */
  private Socket open(String from) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.bind(new InetSocketAddress(from, 0));
    s.connect(new InetSocketAddress("127.0.0.1", fx.server.port()), 10_000);
    return s;
  }

  /**
   * Whether the server accepted {@code s}: it sends its version line to an accepted connection
   * and closes a refused one before sending anything. Waits (bounded) for either.
   */
  private static boolean accepted(Socket s) throws IOException {
    s.setSoTimeout(20_000);
    try {
      int c = s.getInputStream().read();
      return c == 'S';
    } catch (SocketTimeoutException e) {
      throw new AssertionError("server neither answered nor closed " + s, e);
    } catch (IOException reset) {
      return false;
    }
  }

  /** Reads {@code s} until EOF (bounded); false if the server left it open. */
  private static boolean closedByServer(Socket s, Duration within) throws IOException {
    s.setSoTimeout((int) within.toMillis());
    InputStream in = s.getInputStream();
    try {
      for (int i = 0; i < 1 << 16; i++) {
        if (in.read() < 0) {
          return true;
        }
      }
      return false; // the server's version line is far shorter: something else is going on
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private List<String> lines(String event) {
    return audit.stream().filter(l -> (" " + l).contains(" " + event + " ")).collect(Collectors.toList());
  }

  @Test
  void idleSocketsFromOneSourceCannotLockOutLoginsFromAnother() throws Exception {
    // The reproduction, with the default limits: more idle sockets than maxUnauthenticated (100)
    // from one address, kept coming, while a legitimate client logs in 40 times and calls. Only the
    // version-line timeout is lengthened, so the attacker's admitted sockets hold their slots for
    // the whole test (stricter than the default, which would close them after 10 s).
    start(ServerLimits.DEFAULT.newBuilder().versionLineTimeout(Duration.ofSeconds(120)).build());
    ConnectionGuard g = fx.server.connectionGuard();
    int burst = ServerLimits.DEFAULT.maxUnauthenticated() + 50;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger attackerAccepted = new AtomicInteger();
    AtomicInteger maxFromAttacker = new AtomicInteger();
    try {
      List<Future<Boolean>> fs = new ArrayList<>();
      for (int i = 0; i < burst; i++) {
        fs.add(pool.submit(() -> accepted(open(ATTACKER))));
      }
      for (Future<Boolean> f : fs) {
        if (f.get(30, TimeUnit.SECONDS)) {
          attackerAccepted.incrementAndGet();
        }
      }
      assertEquals(5, attackerAccepted.get(), "the per-source limit admits exactly 5 of " + burst);
      // The attacker goes on opening sockets while the logins run.
      Future<?> more = pool.submit(() -> {
        for (int i = 0; i < 400 && !stop.get(); i++) {
          open(ATTACKER);
          maxFromAttacker.accumulateAndGet(g.unauthenticatedFrom(ATTACKER), Math::max);
          Thread.sleep(20);
        }
        return null;
      });
      int ok = 0;
      for (int i = 0; i < 40; i++) {
        try (RpcClient c = fx.client(); RpcConnection conn = c.connect(fx.target())) {
          for (int k = 0; k < 3; k++) {
            assertEquals(integer(i * 10 + k), conn.call("t", "echo", integer(i * 10 + k)));
          }
          ok++;
        }
      }
      stop.set(true);
      more.get(30, TimeUnit.SECONDS);
      assertEquals(40, ok);
      assertTrue(maxFromAttacker.get() <= 5, "attacker held " + maxFromAttacker.get());
      List<String> refused = lines("connection_refused");
      assertTrue(refused.size() >= burst - 5, refused.size() + " refusals");
      for (String l : refused) {
        assertTrue(l.contains(" from=" + ATTACKER + ":"), "only the attacker is refused: " + l);
        assertTrue(l.endsWith(" reason=\"unauthenticated connections from " + ATTACKER + " at limit (5)\""), l);
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  @Test
  void perSourceLimitRefusesTheNextConnectionWithItsReasonAndFreesTheSlot() throws Exception {
    start(ServerLimits.builder().maxUnauthenticatedPerSource(2).build());
    ConnectionGuard g = fx.server.connectionGuard();
    Socket a1 = open(ATTACKER);
    assertTrue(accepted(a1));
    assertTrue(accepted(open(ATTACKER)));
    Socket a3 = open(ATTACKER);
    assertFalse(accepted(a3));
    List<String> refused = lines("connection_refused");
    assertEquals(1, refused.size(), refused.toString());
    assertTrue(
        Pattern.matches(
            "connection_refused user=- from=127\\.0\\.0\\.2:" + a3.getLocalPort()
                + " reason=\"unauthenticated connections from 127\\.0\\.0\\.2 at limit \\(2\\)\"",
            refused.get(0)),
        refused.get(0));
    assertEquals(2, g.unauthenticatedFrom(ATTACKER));

    // Another source is not affected, and a login frees its slot once authenticated.
    assertTrue(accepted(open(LEGIT)));
    try (RpcClient c = fx.client(); RpcConnection conn = c.connect(fx.target())) {
      assertEquals(integer(1), conn.call("t", "echo", integer(1)));
      assertTrue(HardeningFixture.eventually(Duration.ofSeconds(10), () -> g.unauthenticatedFrom(LEGIT) == 1));
    }

    // A closed connection frees its slot: the source is admitted again.
    a1.close();
    assertTrue(HardeningFixture.eventually(Duration.ofSeconds(10), () -> g.unauthenticatedFrom(ATTACKER) == 1));
    assertTrue(accepted(open(ATTACKER)));
    assertEquals(1, lines("connection_refused").size());

    // Every source gone: no entry is left in the table.
    for (Socket s : sockets) {
      s.close();
    }
    assertTrue(HardeningFixture.eventually(Duration.ofSeconds(10), () -> g.sourcesTracked() == 0), "tracked " + g.sourcesTracked());
    assertEquals(0, g.unauthenticated());
  }

  @Test
  void earlyDropWithASeededRandomRefusesInTheExactSequence() throws Exception {
    // 2:50:6 and Random(42), as in ConnectionGuardTest: draws 30 63 48 84 70 25 5 18 19 93 82 2 76 92.
    start(
        ServerLimits.builder().maxStartups(2, 50, 6).maxUnauthenticatedPerSource(100)
            .versionLineTimeout(Duration.ofSeconds(60)).build(),
        b -> b.earlyDropRandom(new Random(42)));
    StringBuilder seq = new StringBuilder();
    for (int i = 0; i < 18; i++) {
      // One at a time: each is decided (version line or close) before the next connects.
      seq.append(accepted(open(LEGIT)) ? 'A' : 'R');
    }
    assertEquals("AARARARRRRRARRRARR", seq.toString());
    List<String> reasons =
        lines("connection_refused").stream()
            .map(l -> l.substring(l.indexOf(" reason=") + 8))
            .collect(Collectors.toList());
    assertEquals(12, reasons.size(), reasons.toString());
    assertEquals("\"random early drop: 2 unauthenticated connections, refused with probability 50% (maxStartups 2:50:6)\"", reasons.get(0));
    assertEquals("\"random early drop: 3 unauthenticated connections, refused with probability 62% (maxStartups 2:50:6)\"", reasons.get(1));
    assertEquals("\"random early drop: 4 unauthenticated connections, refused with probability 75% (maxStartups 2:50:6)\"", reasons.get(2));
    assertEquals("\"random early drop: 5 unauthenticated connections, refused with probability 87% (maxStartups 2:50:6)\"", reasons.get(9));
    assertEquals("\"unauthenticated connections at limit (6)\"", reasons.get(10));
    assertEquals("\"unauthenticated connections at limit (6)\"", reasons.get(11));
    assertEquals(6, fx.server.connectionGuard().unauthenticated());
  }

  @Test
  void aSocketThatNeverSendsItsVersionLineIsClosedAndAudited() throws Exception {
    start(ServerLimits.builder().versionLineTimeout(Duration.ofMillis(500)).build());
    Socket silent = open(LEGIT);
    Socket partial = open(LEGIT);
    // A version line trickled but never finished is no better than none.
    partial.getOutputStream().write("SSH-2.0-slo".getBytes(StandardCharsets.US_ASCII));
    // Closed well before the 60 s auth timeout would have closed them.
    assertTrue(closedByServer(silent, Duration.ofSeconds(30)), "silent socket left open");
    assertTrue(closedByServer(partial, Duration.ofSeconds(30)), "partial-line socket left open");
    for (Socket s : List.of(silent, partial)) {
      String expected =
          "auth_failed user=- key=- from=127.0.0.1:" + s.getLocalPort()
              + " method=- reason=\"no SSH version line within 500 ms\"";
      assertTrue(audit.stream().anyMatch(l -> l.equals(expected)), expected + " not in " + audit);
    }
    // A real client sends its line at once: past the timeout it is still served, and not audited.
    try (RpcClient c = fx.client(); RpcConnection conn = c.connect(fx.target())) {
      Thread.sleep(1000);
      assertEquals(integer(7), conn.call("t", "echo", integer(7)));
    }
    assertEquals(2, audit.stream().filter(l -> l.contains("no SSH version line")).count(), audit.toString());
    ConnectionGuard g = fx.server.connectionGuard();
    assertTrue(HardeningFixture.eventually(Duration.ofSeconds(10), () -> g.unauthenticated() == 0 && g.sourcesTracked() == 0));
  }
}
