package org.sshrpc.bench;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.sshrpc.client.CallOptions;
import org.sshrpc.client.Mailbox;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

/**
 * One legitimate client of the hostile soak: the real {@link RpcClient}, calling one operation
 * after another until the phase ends, and recording each one's outcome and latency. A cycle is
 * {@code lists:seq(1,100)}, {@code sshrpc:echo(<<1 KB>>)} and a process round trip (the counter
 * this user spawned and registered: {@code {add,1}} sent to its name, {@code {get, Mailbox}} to its
 * pid, {@code {count, N+1}} expected back, and {@code whereis} of the name still this user's pid);
 * every 5 s it also logs in afresh (connect, ping, close).
 */
final class SoakLegit implements Runnable {
  /** Operations, as reported. */
  static final List<String> OPS = List.of("seq", "echo", "process", "login", "connect");

  /** Per call: a deadline is absolute, fixed when the options are made. */
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RECEIVE = Duration.ofSeconds(10);
  private static final List<Term> SEQ_ARGS = List.of(Terms.integer(1), Terms.integer(100));
  private static final long LOGIN_EVERY_NANOS = 5_000_000_000L;

  private final String user;
  private final RpcClient client;
  private final int port;
  private final long endNanos;
  private final long intervalNanos;
  private final java.util.Map<String, SoakStats.Op> ops;
  private final ErlAtom name;
  private final ErlBinary payload;

  private RpcConnection conn;
  private Mailbox mbox;
  private Term counter;
  private long expected;
  private boolean registered;

  SoakLegit(String user, RpcClient client, int port, long endNanos, Duration interval, java.util.Map<String, SoakStats.Op> ops) {
    this.user = user;
    this.client = client;
    this.port = port;
    this.endNanos = endNanos;
    this.intervalNanos = interval.toNanos();
    this.ops = ops;
    this.name = ErlAtom.of(counterName(user));
    byte[] b = new byte[1024];
    ThreadLocalRandom.current().nextBytes(b);
    this.payload = ErlBinary.of(b);
  }

  /** The name under which this user registers its counter (the attackers know it too). */
  static String counterName(String user) {
    return "soak_" + user + "_counter";
  }

  @Override
  public void run() {
    long lastLogin = System.nanoTime();
    try {
      while (System.nanoTime() - endNanos < 0 && !Thread.currentThread().isInterrupted()) {
        long cycle = System.nanoTime();
        if (conn == null && !connect()) {
          sleepNanos(500_000_000L);
          continue;
        }
        op("seq", () -> {
          Term t = conn.call("lists", "seq", SEQ_ARGS, CallOptions.timeout(CALL_TIMEOUT));
          if (!(t instanceof ErlList l) || l.size() != 100) {
            throw new IllegalStateException("lists:seq(1,100) returned something else");
          }
        });
        op("echo", () -> {
          Term t = conn.call("sshrpc", "echo", List.of(payload), CallOptions.timeout(CALL_TIMEOUT));
          if (!payload.equals(t)) {
            throw new IllegalStateException("sshrpc:echo returned something else than the 1 KB sent");
          }
        });
        op("process", this::roundTrip);
        if (System.nanoTime() - lastLogin > LOGIN_EVERY_NANOS) {
          lastLogin = System.nanoTime();
          op("login", () -> {
            try (RpcConnection fresh = client.connect(NodeAddress.of(user, "127.0.0.1", port))) {
              if (!ErlAtom.of("pong").equals(fresh.call("sshrpc", "ping", List.of(), CallOptions.timeout(CALL_TIMEOUT)))) {
                throw new IllegalStateException("sshrpc:ping did not answer pong");
              }
            }
          });
        }
        if (conn != null && !conn.isOpen()) {
          drop();
        }
        sleepNanos(intervalNanos - (System.nanoTime() - cycle));
      }
    } finally {
      drop();
    }
  }

  /** Connects, opens a mailbox, spawns and registers a counter; false (and counted) on failure. */
  private boolean connect() {
    long t0 = System.nanoTime();
    try {
      conn = client.connect(NodeAddress.of(user, "127.0.0.1", port));
      mbox = conn.mailbox();
      counter = conn.spawn("sshrpc_counter", "start", List.of(Terms.integer(0)));
      expected = 0;
      registered = conn.register(name, counter); // refused when taken: the round trip fails then
      ops.get("connect").success(System.nanoTime() - t0);
      return true;
    } catch (RuntimeException | java.io.IOException e) {
      ops.get("connect").failure(Soak.oneLine(e));
      drop();
      return false;
    }
  }

  /** {@code {add,1}} to the name, {@code {get, Mailbox}} to the pid, {@code {count, N+1}} back. */
  private void roundTrip() throws Exception {
    if (!registered && !(registered = conn.register(name, counter))) {
      throw new IllegalStateException("register " + name.name() + " refused: the name is taken");
    }
    conn.send(name, ErlTuple.of(Terms.atom("add"), Terms.integer(1)));
    conn.send(counter, ErlTuple.of(Terms.atom("get"), mbox.pid()));
    expected++;
    String problem = null;
    long deadline = System.nanoTime() + RECEIVE.toNanos();
    while (true) {
      Optional<Term> m = mbox.receive(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (m.isEmpty()) {
        // the counter is gone or stuck: start a fresh one on the next cycle
        drop();
        throw new IllegalStateException(problem != null ? problem : "no {count, N} within " + RECEIVE.toSeconds() + " s");
      }
      if (m.get() instanceof ErlTuple t && t.isTagged("count", 2) && t.get(1) instanceof ErlInteger v && v.longValue() >= 0) {
        if (v.longValue() != expected) {
          problem = problem != null ? problem : "counter at " + v.longValue() + " (expected: " + expected + "): someone else changed it";
          expected = v.longValue();
        }
        break;
      }
      problem = problem != null ? problem : "a message this user did not ask for: " + Soak.cut(m.get().toString(), 60);
    }
    Term where = conn.whereis(name);
    if (!counter.equals(where)) {
      problem = problem != null ? problem : "whereis(" + name.name() + ") is " + Soak.cut(String.valueOf(where), 60) + ", not this user's counter";
    }
    if (problem != null) {
      throw new IllegalStateException(problem);
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private void op(String id, Step step) {
    if (conn == null && !id.equals("login")) {
      return;
    }
    long t0 = System.nanoTime();
    try {
      step.run();
      ops.get(id).success(System.nanoTime() - t0);
    } catch (Exception e) {
      ops.get(id).failure(Soak.oneLine(e));
      if (conn != null && !conn.isOpen()) {
        drop();
      }
    }
  }

  private void drop() {
    if (conn != null) {
      try {
        conn.close();
      } catch (RuntimeException e) {
        // already down
      }
    }
    conn = null;
    mbox = null;
    counter = null;
  }

  private void sleepNanos(long nanos) {
    long n = Math.min(nanos, endNanos - System.nanoTime());
    if (n > 0) {
      try {
        Thread.sleep(n / 1_000_000, (int) (n % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
