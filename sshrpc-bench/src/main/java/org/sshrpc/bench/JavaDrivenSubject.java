package org.sshrpc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A subject whose client runs in this JVM and whose server runs in a child process: the workloads
 * are driven here, the same way for every such subject.
 */
abstract class JavaDrivenSubject implements Subject {
  private static final byte[] KIB = filled(1024);
  /** Warm-up of a measured loop: at least this long (the JIT of both JVMs needs ~10k calls). */
  private static final long WARM_UP_NANOS = 3_000_000_000L;
  private static final long QUICK_WARM_UP_NANOS = 500_000_000L;
  private long warmUpNanos = WARM_UP_NANOS;

  /** The 16 MiB payload, made only by a run that sends it (never in a server JVM). */
  private static final class Bulk {
    static final byte[] MIB16 = filled(16 << 20);
  }

  /** Opens one connection: TCP connect, key exchange, authentication, channel/subsystem open. */
  abstract Conn connect() throws Exception;

  /** The server's process, for its CPU time and memory. */
  abstract ServerProcess server();

  @Override
  public boolean supports(Workload w) {
    return true;
  }

  @Override
  public Result run(Workload w, boolean quick) throws Exception {
    int n = w.count(quick);
    warmUpNanos = quick ? QUICK_WARM_UP_NANOS : WARM_UP_NANOS;
    switch (w) {
      case SEQ:
        try (Conn c = connect()) {
          return sequential(n, c::seq);
        }
      case PIPELINED:
        try (Conn c = connect()) {
          return pipelined(n, c::seqAsync);
        }
      case ECHO_1K:
        try (Conn c = connect()) {
          return sequential(n, () -> c.echo(KIB));
        }
      case ECHO_1K_PIPELINED:
        try (Conn c = connect()) {
          return pipelined(n, () -> c.echoAsync(KIB));
        }
      case BULK:
        try (Conn c = connect()) {
          Result r = sequential(n, () -> c.echo(Bulk.MIB16));
          // calls/s of 16 MiB messages -> MB/s of payload echoed (one direction)
          double mbps = r.value() * Bulk.MIB16.length / 1e6;
          return new Result(mbps, r.p50Us(), r.p99Us(), r.clientCpuUs(), r.serverCpuUs(), "MB = 10^6 bytes of message per round trip");
        }
      case CONNECT:
        return connectTimes(n);
      case CONNECT_100:
        return concurrentConnects(n);
      case IDLE_1000:
        return idleMemory(n);
      default:
        throw new IllegalArgumentException("unknown workload " + w);
    }
  }

  /** One blocking call. */
  interface Call {
    void call() throws Exception;
  }

  private Result sequential(int n, Call op) throws Exception {
    // warm-up: JIT of both ends and buffers; at least n/5 calls and WARM_UP_NANOS, at most n calls
    long until = System.nanoTime() + warmUpNanos;
    for (int i = 0; i < n && (i < Math.max(1, n / 5) || System.nanoTime() < until); i++) {
      op.call();
    }
    Histogram h = new Histogram(3);
    Meter m = new Meter(server());
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      op.call();
      h.recordValue(System.nanoTime() - t0);
    }
    return m.finish(n, h);
  }

  private Result pipelined(int n, Supplier<CompletableFuture<?>> op) throws Exception {
    long until = System.nanoTime() + warmUpNanos;
    do {
      runWindow(Math.max(1, Math.min(n / 5, 20_000)), op, new ConcurrentHistogram(3)); // warm-up
    } while (System.nanoTime() < until);
    Histogram h = new ConcurrentHistogram(3);
    Meter m = new Meter(server());
    runWindow(n, op, h);
    return m.finish(n, h);
  }

  private static void runWindow(int n, Supplier<CompletableFuture<?>> op, Histogram h) throws Exception {
    Semaphore window = new Semaphore(Workload.IN_FLIGHT);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < n && failure.get() == null; i++) {
      if (!window.tryAcquire(Conn.CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no reply within " + Conn.CALL_TIMEOUT_SECONDS + " s with " + Workload.IN_FLIGHT + " in flight");
      }
      long t0 = System.nanoTime();
      op.get().whenComplete((r, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        } else {
          h.recordValue(System.nanoTime() - t0);
        }
        window.release();
      });
    }
    if (!window.tryAcquire(Workload.IN_FLIGHT, Conn.CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException("pipelined calls did not all complete within " + Conn.CALL_TIMEOUT_SECONDS + " s");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a pipelined call failed", failure.get());
    }
  }

  private Result connectTimes(int n) throws Exception {
    for (int i = 0; i < 10; i++) {
      try (Conn c = connect()) {
        c.seq(); // warm-up: class loading, JIT of the handshake path on both sides
      }
    }
    double[] ms = new double[n];
    Histogram h = new Histogram(3);
    Meter m = new Meter(server());
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      Conn c = connect();
      long dt = System.nanoTime() - t0;
      ms[i] = dt / 1e6;
      h.recordValue(dt);
      c.close();
    }
    Result r = m.finish(n, h);
    Arrays.sort(ms);
    double median = (ms[(n - 1) / 2] + ms[n / 2]) / 2;
    return new Result(median, r.p50Us(), r.p99Us(), r.clientCpuUs(), r.serverCpuUs(), "median ms; CPU includes close");
  }

  private Result concurrentConnects(int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<Conn> open = new ArrayList<>();
    Histogram h = new ConcurrentHistogram(3);
    try {
      Meter m = new Meter(server());
      long t0 = System.nanoTime();
      List<Future<Conn>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(pool.submit(() -> {
          long s = System.nanoTime();
          Conn c = connect();
          c.seq();
          h.recordValue(System.nanoTime() - s);
          return c;
        }));
      }
      for (Future<Conn> f : fs) {
        open.add(f.get(Conn.CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS));
      }
      double wallMs = (System.nanoTime() - t0) / 1e6;
      Result r = m.finish(n, h);
      return new Result(wallMs, r.p50Us(), r.p99Us(), r.clientCpuUs(), r.serverCpuUs(), "wall ms until all " + n + " answered one call");
    } finally {
      closeAll(open);
      pool.shutdownNow();
    }
  }

  private Result idleMemory(int n) throws Exception {
    List<Conn> open = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      try (Conn c = connect()) {
        c.seq();
      }
      long before = server().memoryBytes();
      List<Future<Conn>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(pool.submit(() -> {
          Conn c = connect();
          c.seq(); // the connection has served a call and is now idle
          return c;
        }));
      }
      for (Future<Conn> f : fs) {
        open.add(f.get(Conn.CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS));
      }
      long after = server().memoryBytes();
      return new Result((after - before) / 1024.0 / n, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
          String.format("%d connections: %.1f MiB -> %.1f MiB", n, before / 1048576.0, after / 1048576.0));
    } finally {
      closeAll(open);
      pool.shutdownNow();
    }
  }

  private static void closeAll(List<Conn> open) {
    for (Conn c : open) {
      try {
        c.close();
      } catch (Exception e) {
        // closing after the measurement; a failure here changes no figure
      }
    }
  }

  static byte[] filled(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  /** Wall clock and CPU of both sides over one measured interval. */
  static final class Meter {
    private final ServerProcess server;
    private final long wall0 = System.nanoTime();
    private final long self0 = ProcCpu.selfNanos();
    private final long server0;

    Meter(ServerProcess server) {
      this.server = server;
      this.server0 = server == null ? -1 : server.cpuNanos();
    }

    Result finish(int calls, Histogram h) {
      long wall = System.nanoTime() - wall0;
      double client = (ProcCpu.selfNanos() - self0) / 1e3 / calls;
      double srv = server == null || server0 < 0 ? Double.NaN : (server.cpuNanos() - server0) / 1e3 / calls;
      return new Result(calls / (wall / 1e9), h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, client, srv, "");
    }
  }
}
