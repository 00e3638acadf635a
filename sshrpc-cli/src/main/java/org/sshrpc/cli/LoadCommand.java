package org.sshrpc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.client.CallOptions;
import org.sshrpc.client.FleetConnection;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.ReplicaStats;
import org.sshrpc.client.RpcChannel;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.Target;
import org.sshrpc.term.ParsedCall;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sshrpc bench --target}: a load generator for a user's own sshrpc node, as {@code ghz} is
 * for gRPC and {@code h2load} for HTTP/2. Opens {@code --connections} connections, keeps {@code
 * --in-flight} calls outstanding on each (pipelined on a v2 channel; on a v1 server the client
 * queues them and the server answers one at a time), and stops after {@code --calls} calls or
 * {@code --duration} seconds, whichever comes first.
 *
 * <p>Prints the throughput, latency percentiles (from a {@link LatencyHistogram}, issue to
 * completion as the caller sees it), the calls that failed by {@link Status}, and as its last line
 * {@code calls_per_s=N} for scripts. On a terminal a progress line is refreshed each second.
 * Exit 0 when every call succeeded, 1 when some failed, 2 when no connection could be made, 64
 * for bad arguments.
 *
 * <p>With a fleet target ({@code dns:///}, {@code srv:///} or a static list) each of the {@code
 * --connections} is a {@link FleetConnection} balancing over every replica (so C SSH sessions per
 * replica), and the report adds one line per replica: the measured calls it took and how many
 * failed, from {@link FleetConnection#replicas()}.
 */
@Command(
    name = "bench --target",
    description = {
      "Load generator: make Module:Function(Args...) calls on a node as fast as it answers, then print"
          + " calls/s, latency percentiles and errors by status; the last line is calls_per_s=N.",
      "Without --calls and --duration it makes 10000 calls. Exit 0 when every call succeeded,"
          + " 1 when some failed, 2 when the node cannot be reached."
    })
final class LoadCommand implements Callable<Integer> {
  static final long DEFAULT_CALLS = 10_000;
  static final int MAX_CONNECTIONS = 1_000;
  static final int MAX_IN_FLIGHT = 100_000;
  /** After the run's end, how long calls still in flight may take before they count as lost. */
  static final Duration DRAIN = Duration.ofSeconds(30);

  @Mixin ConnectionOptions connection;
  @Mixin FleetOptions fleet;

  @Option(
      names = "--target",
      required = true,
      paramLabel = FleetOptions.TARGET_LABEL,
      converter = FleetOptions.TargetConverter.class,
      description = "The node to load, or a fleet balanced by a FleetConnection: " + FleetOptions.TARGET_HELP)
  Target target;

  @Option(names = {"--calls", "-n"}, paramLabel = "N", description = "Calls to make after the warm-up. Default: 10000 unless --duration is given.")
  Long calls;

  @Option(names = "--duration", paramLabel = "S", description = "Stop making calls after S seconds (decimals allowed), calls in flight still count.")
  Double durationSeconds;

  @Option(names = "--in-flight", paramLabel = "K", defaultValue = "1", description = "Calls outstanding on each connection. Default: ${DEFAULT-VALUE}.")
  int inFlight;

  @Option(names = "--connections", paramLabel = "C", defaultValue = "1", description = "Connections, each with its own SSH session (for a fleet: fleet connections, each with a session per replica). Default: ${DEFAULT-VALUE}.")
  int connections;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "0", description = "Calls made first and not counted (JIT, caches). Default: ${DEFAULT-VALUE}.")
  long warmup;

  @Option(names = "--timeout", paramLabel = "MS", description = "Deadline of each call in milliseconds. Default: none.")
  Long timeoutMillis;

  @Parameters(
      index = "0",
      paramLabel = "Module:Function(Args...)",
      converter = Cli.CallConverter.class,
      description = "The call, arguments in Erlang term syntax, e.g. 'lists:seq(1, 100)'.")
  ParsedCall call;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Whether to draw the live progress line; null (the command line's case): only when stdout is a terminal. */
  Boolean progress;

  /** The bounds a run stops at, checked before anything connects. */
  record Plan(long calls, long durationNanos, int inFlight, int connections, long warmup, Duration timeout) {}

  Plan plan() {
    CommandLine cl = spec.commandLine();
    if (calls != null && calls < 1) {
      throw new CommandLine.ParameterException(cl, "--calls " + calls + " (expected: at least 1)");
    }
    if (durationSeconds != null && !(durationSeconds > 0 && durationSeconds <= 31_536_000)) {
      throw new CommandLine.ParameterException(cl, "--duration " + durationSeconds + " (expected: 0 < S <= 31536000)");
    }
    if (inFlight < 1 || inFlight > MAX_IN_FLIGHT) {
      throw new CommandLine.ParameterException(cl, "--in-flight " + inFlight + " (expected: 1.." + MAX_IN_FLIGHT + ")");
    }
    if (connections < 1 || connections > MAX_CONNECTIONS) {
      throw new CommandLine.ParameterException(cl, "--connections " + connections + " (expected: 1.." + MAX_CONNECTIONS + ")");
    }
    if (warmup < 0) {
      throw new CommandLine.ParameterException(cl, "--warmup " + warmup + " (expected: 0 or more)");
    }
    if (timeoutMillis != null && timeoutMillis <= 0) {
      throw new CommandLine.ParameterException(cl, "--timeout " + timeoutMillis + " (expected: a positive number of milliseconds)");
    }
    long n = calls != null ? calls : durationSeconds != null ? Long.MAX_VALUE : DEFAULT_CALLS;
    long d = durationSeconds == null ? Long.MAX_VALUE : (long) (durationSeconds * 1e9);
    return new Plan(n, d, inFlight, connections, warmup, timeoutMillis == null ? null : Duration.ofMillis(timeoutMillis));
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Plan plan = plan();
    boolean live = progress != null ? progress : System.console() != null;
    boolean isFleet = !target.isSingleNode();
    List<RpcChannel> conns = new ArrayList<>();
    try (RpcClient client = connection.clientBuilder(null).build()) {
      try {
        for (int i = 0; i < plan.connections(); i++) {
          conns.add(isFleet
              ? FleetConnection.builder(client, target).resolver(fleet.resolver).build()
              : client.connect(target.nodes().get(0)));
        }
      } catch (IOException | RuntimeException e) {
        err.println("sshrpc: " + Cli.oneLine(e));
        return Main.UNAVAILABLE;
      }
      Run run = new Run(plan, conns, call);
      int version = conns.get(0).protocolVersion();
      String what = isFleet
          ? String.format(Locale.ROOT, "target %s (%d replicas), protocol v%d; %d connection%s per replica x %d in flight; %s%n",
              target, replicasOf(conns).size(), version, plan.connections(), plan.connections() == 1 ? "" : "s", plan.inFlight(),
              brief(call.toString()))
          : String.format(Locale.ROOT, "target %s, protocol v%d%s; %d connection%s x %d in flight; %s%n",
              target, version, version == 1 ? " (the server offers no v2: it answers one call at a time per connection)" : "",
              plan.connections(), plan.connections() == 1 ? "" : "s", plan.inFlight(), brief(call.toString()));
      out.print(what);
      out.flush();
      if (plan.warmup() > 0) {
        run.phase(plan.warmup(), Long.MAX_VALUE, null, null);
      }
      // The replicas' counters include the warm-up: the report shows the difference.
      Map<NodeAddress, long[]> before = replicasOf(conns);
      Progress p = live ? new Progress(out, run) : null;
      Result r = run.phase(plan.calls(), plan.durationNanos(), run.histogram, p);
      report(out, r, run, isFleet ? since(before, replicasOf(conns)) : null);
      return r.failed() == 0 ? Main.OK : Main.ERROR_REPLY;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("sshrpc: interrupted");
      return Main.UNAVAILABLE;
    } finally {
      conns.forEach(RpcChannel::close);
    }
  }

  /** Calls and errors so far per replica address, summed over the fleet connections, in resolution order. */
  static Map<NodeAddress, long[]> replicasOf(List<RpcChannel> conns) {
    Map<NodeAddress, long[]> m = new LinkedHashMap<>();
    for (RpcChannel c : conns) {
      if (c instanceof FleetConnection f) {
        for (ReplicaStats s : f.replicas()) {
          long[] n = m.computeIfAbsent(s.address(), a -> new long[2]);
          n[0] += s.calls();
          n[1] += s.errors();
        }
      }
    }
    return m;
  }

  /** {@code after} minus {@code before}, per replica (one resolved since counts from zero). */
  static Map<NodeAddress, long[]> since(Map<NodeAddress, long[]> before, Map<NodeAddress, long[]> after) {
    Map<NodeAddress, long[]> m = new LinkedHashMap<>();
    after.forEach((a, n) -> {
      long[] b = before.getOrDefault(a, new long[2]);
      m.put(a, new long[] {n[0] - b[0], n[1] - b[1]});
    });
    return m;
  }

  private static void report(PrintWriter out, Result r, Run run, Map<NodeAddress, long[]> replicas) {
    LatencyHistogram h = run.histogram;
    double seconds = r.elapsedNanos() / 1e9;
    double rate = r.completed() / Math.max(seconds, 1e-9);
    out.printf(Locale.ROOT, "calls      %d completed in %.3f s: %d ok, %d failed%s%n", r.completed(), seconds,
        r.completed() - r.failed(), r.failed(), r.lost() > 0 ? ", " + r.lost() + " unanswered after " + DRAIN.toSeconds() + " s (not counted)" : "");
    out.printf(Locale.ROOT, "calls/s    %.1f%n", rate);
    out.printf(Locale.ROOT, "latency    p50 %s  p90 %s  p99 %s  max %s%n",
        ms(h.percentile(50)), ms(h.percentile(90)), ms(h.percentile(99)), ms(h.max()));
    StringBuilder errors = new StringBuilder();
    for (Status s : Status.values()) {
      long n = run.errors.get(s.ordinal());
      if (n > 0) {
        errors.append(errors.length() == 0 ? "" : ", ").append(s.name()).append(' ').append(n);
      }
    }
    out.println("errors     " + (errors.length() == 0 ? "none" : errors));
    if (replicas != null) {
      // Calls that found no ready replica are in "calls" and "errors" above but on no replica.
      replicas.forEach((a, n) -> out.printf(Locale.ROOT, "replica    %s  calls %d  errors %d%n", a, n[0], n[1]));
    }
    out.println("calls_per_s=" + Math.round(rate));
    out.flush();
  }

  /** A long call (a big binary argument) shortened for the header line. */
  static String brief(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }

  static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
  }

  /** What one measured phase did. */
  record Result(long completed, long failed, long lost, long elapsedNanos) {}

  /** The calls of a run: one driver thread per connection keeping its calls in flight. */
  static final class Run {
    final Plan plan;
    final List<? extends RpcChannel> conns;
    final ParsedCall call;
    final CallOptions options;
    final LatencyHistogram histogram = new LatencyHistogram();
    /** Failed calls of the measured phase by {@link Status#ordinal()}. */
    final AtomicLongArray errors = new AtomicLongArray(Status.values().length);
    final AtomicLong completed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    volatile long startNanos;

    Run(Plan plan, List<? extends RpcChannel> conns, ParsedCall call) {
      this.plan = plan;
      this.conns = conns;
      this.call = call;
      this.options = plan.timeout() == null ? CallOptions.DEFAULT : CallOptions.timeout(plan.timeout());
    }

    /**
     * Makes up to {@code n} calls over all connections, starting none after {@code durationNanos};
     * records them in {@code h} unless it is null (the warm-up). Returns once every started call
     * completed or {@link #DRAIN} passed.
     */
    Result phase(long n, long durationNanos, LatencyHistogram h, Progress progress) throws InterruptedException {
      AtomicLong budget = new AtomicLong(n);
      long start = System.nanoTime();
      long end = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + durationNanos;
      long completed0 = completed.get();
      long failed0 = failed.get();
      startNanos = start;
      List<Thread> drivers = new ArrayList<>();
      List<Semaphore> windows = new ArrayList<>();
      for (RpcChannel c : conns) {
        Semaphore window = new Semaphore(plan.inFlight());
        windows.add(window);
        Thread t = new Thread(() -> drive(c, window, budget, end, h), "sshrpc-load-" + drivers.size());
        t.setDaemon(true);
        drivers.add(t);
        t.start();
      }
      if (progress != null) {
        progress.start(start);
      }
      for (Thread t : drivers) {
        t.join(); // each returns by the run's end (budget or duration) plus at most one window wait
      }
      long lost = 0;
      long drainUntil = System.nanoTime() + DRAIN.toNanos();
      for (Semaphore w : windows) {
        long left = Math.max(0, drainUntil - System.nanoTime());
        if (!w.tryAcquire(plan.inFlight(), left, TimeUnit.NANOSECONDS)) {
          lost += plan.inFlight() - w.availablePermits();
        }
      }
      long elapsed = System.nanoTime() - start;
      if (progress != null) {
        progress.stop();
      }
      if (h == null) { // the warm-up's calls are not counted
        completed.set(completed0);
        failed.set(failed0);
        for (int i = 0; i < errors.length(); i++) {
          errors.set(i, 0);
        }
      }
      return new Result(completed.get() - completed0, failed.get() - failed0, lost, elapsed);
    }

    private void drive(RpcChannel c, Semaphore window, AtomicLong budget, long end, LatencyHistogram h) {
      try {
        while (true) {
          // wait for a free slot in short steps, so that the duration's end is noticed promptly
          while (!window.tryAcquire(50, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() - end >= 0 || !c.isOpen()) {
              return;
            }
          }
          if (System.nanoTime() - end >= 0 || budget.getAndDecrement() <= 0) {
            window.release();
            return;
          }
          long t0 = System.nanoTime();
          CompletableFuture<?> f;
          try {
            f = c.callAsync(call.module().name(), call.function().name(), call.args(), options);
          } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
          }
          f.whenComplete((v, e) -> {
            long dt = System.nanoTime() - t0;
            if (e != null) {
              Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
              Status s = cause instanceof RpcException re ? re.status() : Status.INTERNAL;
              errors.incrementAndGet(s.ordinal());
              failed.incrementAndGet();
            }
            if (h != null) {
              h.record(dt);
            }
            completed.incrementAndGet();
            window.release();
          });
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The live line on a terminal: calls so far, their rate and failures, redrawn each second. */
  static final class Progress {
    private final PrintWriter out;
    private final Run run;
    private Thread thread;

    Progress(PrintWriter out, Run run) {
      this.out = out;
      this.run = run;
    }

    void start(long startNanos) {
      long base = run.completed.get();
      thread = new Thread(() -> {
        try {
          while (!Thread.currentThread().isInterrupted()) {
            Thread.sleep(1000);
            long done = run.completed.get() - base;
            double s = (System.nanoTime() - startNanos) / 1e9;
            synchronized (out) {
              out.printf(Locale.ROOT, "\r%8.1f s  %d calls  %.0f calls/s  %d failed   ", s, done, done / s, run.failed.get());
              out.flush();
            }
          }
        } catch (InterruptedException e) {
          // stopped
        }
      }, "sshrpc-load-progress");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      thread.interrupt();
      thread.join();
      synchronized (out) {
        out.print("\r\033[K"); // erase the progress line before the report
        out.flush();
      }
    }
  }
}
