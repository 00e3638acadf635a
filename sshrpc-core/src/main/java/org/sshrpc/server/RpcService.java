package org.sshrpc.server;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.acl.PolicySource;
import org.sshrpc.internal.NamedThreadFactory;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.TermLimits;

/**
 * The transport-independent sshrpc server: the exported modules, the access policy, the worker
 * pool, the node's processes and the limits. Each client channel is an {@link RpcSession} opened
 * on it; {@link RpcServer} puts one behind MINA SSHD, and the same service can run behind
 * stdin/stdout for OpenSSH's {@code Subsystem} directive.
 *
 * <p>Thread-safe. {@link #close()} stops the worker pool.
 */
public final class RpcService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RpcService.class);

  static final ErlAtom UNDEF = ErlAtom.of("undef");
  static final ErlAtom DENIED = ErlAtom.of("sshrpc_denied");
  static final ErlAtom JAVA_EXCEPTION = ErlAtom.of("java_exception");

  private final Map<String, RpcModule> modules;
  private final PolicySource policy;
  private final ErlAtom node;
  private final int maxFrameLength;
  private final int maxInFlight;
  private final long maxOutboundBytes;
  private final Duration defaultCallTimeout;
  private final Duration frameTimeout;
  private final TermDecoder decoder;
  /** High-water marks of what channels held, across all channels: bounds tests and operators check. */
  final Peaks peaks = new Peaks();
  /** sshrpc channels (sessions) ever opened on this service. */
  final java.util.concurrent.atomic.AtomicLong sessionsOpened = new java.util.concurrent.atomic.AtomicLong();
  final ThreadPoolExecutor executor;
  final ScheduledThreadPoolExecutor scheduler;
  final ProcessRegistry processes;
  final long startNanos = System.nanoTime();
  private final Set<RpcSession> sessions = ConcurrentHashMap.newKeySet();
  private final Metrics metrics;
  private final List<ServerInterceptor> interceptors;
  /** What clients make the node hold, per connection, per user and in all (see {@link MemoryBudget}). */
  final MemoryBudget budget;
  /** Per-user fairness in front of {@link #executor}. */
  final UserLanes lanes;

  private RpcService(Builder b) {
    this.node = ErlAtom.of(b.nodeName);
    this.policy = b.policy;
    this.maxFrameLength = b.maxFrameLength;
    this.maxInFlight = b.maxInFlight;
    this.maxOutboundBytes = b.maxOutboundBytes;
    this.defaultCallTimeout = b.defaultCallTimeout;
    this.frameTimeout = b.frameTimeout;
    // By default the decoder limits of ServerLimits for this frame length: a request term is at
    // most as large as a frame, compressed or not.
    this.decoder =
        TermDecoder.of(
            b.termLimits != null
                ? b.termLimits
                : ServerLimits.builder().maxFrameLength(b.maxFrameLength).build().termLimits());
    long heap = Runtime.getRuntime().maxMemory();
    this.budget =
        b.budget != null
            ? b.budget
            : MemoryBudget.forHeap(heap == Long.MAX_VALUE ? 1L << 32 : heap);
    Map<String, RpcModule> m = new LinkedHashMap<>();
    if (b.builtins) {
      for (RpcModule builtin : Builtins.modules(this)) {
        m.put(builtin.name(), builtin);
      }
    }
    this.metrics = b.metrics;
    this.interceptors = List.copyOf(b.interceptors);
    if (metrics.enabled()) {
      m.put(MetricsAccess.MODULE, metrics.module());
    }
    for (RpcModule mod : b.modules) {
      if (m.putIfAbsent(mod.name(), mod) != null) {
        throw new IllegalArgumentException("module " + mod.name() + " is exported twice");
      }
    }
    this.modules = Map.copyOf(m);
    this.executor =
        new ThreadPoolExecutor(
            b.executorThreads,
            b.executorThreads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(b.executorQueue),
            new NamedThreadFactory("sshrpc-worker"));
    this.executor.allowCoreThreadTimeOut(true);
    this.scheduler = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("sshrpc-deadline"));
    this.scheduler.setRemoveOnCancelPolicy(true);
    this.processes = new ProcessRegistry(node);
    this.lanes =
        new UserLanes(
            executor,
            b.maxWorkersPerUser > 0 ? b.maxWorkersPerUser : Math.max(1, b.executorThreads - b.executorThreads / 4),
            b.executorQueue);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens the server side of one channel.
   *
   * @param user the authenticated user
   * @param keyFingerprint the SHA256 fingerprint of the key the user authenticated with, or null
   * @param remoteAddress the client's address, or null
   */
  public RpcSession openSession(String user, String keyFingerprint, SocketAddress remoteAddress, SessionTransport transport) {
    return openSession(user, keyFingerprint, remoteAddress, new Object(), transport);
  }

  /**
   * Opens the server side of one channel of the SSH connection identified by {@code connection}
   * (channels of one connection share its memory budget).
   */
  RpcSession openSession(
      String user, String keyFingerprint, SocketAddress remoteAddress, Object connection, SessionTransport transport) {
    sessionsOpened.incrementAndGet();
    RpcSession s =
        new RpcSession(
            this, Objects.requireNonNull(user, "user"), keyFingerprint, remoteAddress, connection, transport);
    sessions.add(s);
    return s;
  }

  /** The sessions open now. */
  Set<RpcSession> sessions() {
    return sessions;
  }

  void sessionClosed(RpcSession s) {
    sessions.remove(s);
  }

  /** The node name carried by this server's pids and reported by {@code sshrpc:info/0}. */
  public ErlAtom node() {
    return node;
  }

  public int maxFrameLength() {
    return maxFrameLength;
  }

  public int maxInFlight() {
    return maxInFlight;
  }

  long maxOutboundBytes() {
    return maxOutboundBytes;
  }

  Duration defaultCallTimeout() {
    return defaultCallTimeout;
  }

  /** How long a started frame may take to complete; null for no limit. */
  Duration frameTimeout() {
    return frameTimeout;
  }

  /** The largest input held (unreleased) and reply bytes queued by any one channel so far. */
  static final class Peaks {
    private final java.util.concurrent.atomic.AtomicLong held = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong outbound = new java.util.concurrent.atomic.AtomicLong();

    void held(long n) {
      held.accumulateAndGet(n, Math::max);
    }

    void outbound(long n) {
      outbound.accumulateAndGet(n, Math::max);
    }

    long heldInputBytes() {
      return held.get();
    }

    long outboundBytes() {
      return outbound.get();
    }
  }

  TermDecoder decoder() {
    return decoder;
  }

  /** The names of the exported modules. */
  public List<String> moduleNames() {
    return new ArrayList<>(modules.keySet());
  }

  /** Whether the policy lets this caller use {@code module:function/arity}. */
  boolean allows(CallContext ctx, String module, String function, int arity) {
    if (MetricsAccess.MODULE.equals(module)) {
      return MetricsAccess.allows(policy.current(), ctx.user(), ctx.keyFingerprint(), function, arity);
    }
    return policy.current().allows(ctx.user(), ctx.keyFingerprint(), module, function, arity);
  }

  /** The metrics this service records into ({@link Metrics#none()} unless configured). */
  Metrics metrics() {
    return metrics;
  }

  /** The {@code {M, F, Arity}} this caller may call or spawn, in module order. */
  List<Term> exportsFor(CallContext ctx) {
    AccessPolicy p = policy.current();
    List<Term> out = new ArrayList<>();
    for (RpcModule m : modules.values()) {
      for (RpcModule.Key k : m.entries().keySet()) {
        if (m.name().equals(MetricsAccess.MODULE)
            ? MetricsAccess.allows(p, ctx.user(), ctx.keyFingerprint(), k.function(), k.arity())
            : p.allows(ctx.user(), ctx.keyFingerprint(), m.name(), k.function(), k.arity())) {
          out.add(ErlTuple.of(ErlAtom.of(m.name()), ErlAtom.of(k.function()), org.sshrpc.term.Terms.integer(k.arity())));
        }
      }
    }
    return out;
  }

  /**
   * Looks up a function or process starter for this caller. The policy is checked first, so a
   * denied caller cannot tell "denied" from "not exported".
   *
   * @return the entry, or null with {@code refusal[0]} set to the outcome to report
   */
  RpcModule.Entry resolve(CallContext ctx, ErlAtom m, ErlAtom f, ErlList args, Outcome[] refusal) {
    int arity = args.size();
    if (!allows(ctx, m.name(), f.name(), arity)) {
      refusal[0] = Outcome.refused(ErlTuple.of(DENIED, ErlTuple.of(m, f, org.sshrpc.term.Terms.integer(arity))));
      return null;
    }
    RpcModule mod = modules.get(m.name());
    RpcModule.Entry e = mod == null ? null : mod.find(f.name(), arity);
    if (e == null) {
      refusal[0] = Outcome.raised(undef(m, f, args));
      return null;
    }
    return interceptors.isEmpty() || e.function() == null ? e : intercepted(e, ctx, m, f);
  }

  /**
   * The entry whose function runs {@code e}'s through the interceptors. Never inline: an
   * interceptor may block, so the call goes to the workers, under its deadline.
   */
  private RpcModule.Entry intercepted(RpcModule.Entry e, CallContext ctx, ErlAtom m, ErlAtom f) {
    RpcFunction fn = e.function();
    RpcFunction chained =
        (c, a) -> next(0, fn).proceed(new ServerCall(ctx, m.name(), f.name(), a));
    return new RpcModule.Entry(chained, null, null);
  }

  /** The interceptor chain from {@code i} on; past the last, the function itself. */
  private ServerInterceptor.Next next(int i, RpcFunction fn) {
    if (i == interceptors.size()) {
      return call -> fn.apply(call.context(), call.args());
    }
    ServerInterceptor here = interceptors.get(i);
    ServerInterceptor.Next rest = next(i + 1, fn);
    return call -> here.intercept(call, rest);
  }

  /** The access policy in force now (the process layer asks it per operation). */
  AccessPolicy policyNow() {
    return policy.current();
  }

  /**
   * The process starter exported as {@code m:f/arity}, or null. No policy check: the caller has
   * asked {@link AccessPolicy#allowsSpawn} first, so a denied caller cannot tell "denied" from
   * "not exported".
   */
  ProcessFactory processStarter(ErlAtom m, ErlAtom f, int arity) {
    RpcModule mod = modules.get(m.name());
    RpcModule.Entry e = mod == null ? null : mod.find(f.name(), arity);
    return e == null ? null : e.process();
  }

  /**
   * Erlang's {@code {undef, [{M, F, Args, []}]}}; with the arity in place of Args when they are
   * larger than {@link RpcSession#ECHO_LIMIT} bytes (as Erlang's own stack frames may), so an
   * error reply never echoes a large request.
   */
  static Term undef(ErlAtom m, ErlAtom f, ErlList args) {
    Term a = args.size() <= RpcSession.ECHO_LIMIT && TermEncoder.DEFAULT.encodedSizeAtMost(args, RpcSession.ECHO_LIMIT) <= RpcSession.ECHO_LIMIT
        ? args
        : org.sshrpc.term.Terms.integer(args.size());
    return ErlTuple.of(UNDEF, ErlList.of(ErlTuple.of(m, f, a, ErlList.NIL)));
  }

  /** Runs a resolved function on the calling thread and shapes its result or failure. */
  static Outcome run(RpcFunction fn, CallContext ctx, ErlList args) {
    try {
      Term r = fn.apply(ctx, args.elements());
      if (r == null) {
        return Outcome.raised(javaException("java.lang.NullPointerException", "function returned null"));
      }
      return Outcome.ok(r);
    } catch (ServerCall.Refusal r) {
      LOG.debug("call refused by an interceptor: {}", r.getMessage());
      return r.outcome;
    } catch (ErlangException e) {
      return Outcome.raised(e.reason());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.refused(Outcome.CANCELLED);
    } catch (OutOfMemoryError e) {
      // A function that allocated past the heap for its own request: its allocations are garbage
      // now, so the server can go on; the request fails. (A JVM that cannot recover will fail the
      // next allocation anywhere, which no catch here can prevent.)
      LOG.warn("function {} ran out of memory: {}", fn, e.getMessage());
      return Outcome.raised(javaException(e.getClass().getName(), e.getMessage()));
    } catch (Exception | StackOverflowError | LinkageError | AssertionError e) {
      // The class and message only: a stack trace would tell the client about the server's code.
      LOG.debug("function raised", e);
      return Outcome.raised(javaException(e.getClass().getName(), e.getMessage()));
    }
  }

  static Term javaException(String className, String message) {
    return ErlTuple.of(
        JAVA_EXCEPTION, ErlBinary.utf8(className), ErlBinary.utf8(message == null ? "" : message));
  }

  /** Stops the workers (interrupting running functions) and the deadline timer. */
  @Override
  public void close() {
    executor.shutdownNow();
    scheduler.shutdownNow();
  }

  /** A builder of {@link RpcService}; see each setter for its default. */
  public static final class Builder {
    private final List<RpcModule> modules = new ArrayList<>();
    private PolicySource policy = PolicySource.fixed(AccessPolicy.ALLOW_ALL);
    private String nodeName = "sshrpc@localhost";
    private int executorThreads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    private int executorQueue = 10_000;
    private int maxFrameLength = 16 << 20;
    private int maxInFlight = 1024;
    private long maxOutboundBytes = 1 << 20;
    private Duration defaultCallTimeout = Duration.ofMinutes(5);
    private Duration frameTimeout = ServerLimits.DEFAULT.frameTimeout();
    private TermLimits termLimits;
    private boolean builtins = true;
    private Metrics metrics = Metrics.none();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private MemoryBudget budget;
    private int maxWorkersPerUser;

    private Builder() {}

    /**
     * The memory budget for what clients make the node hold (buffered input, decoded requests in
     * progress, queued replies): {@code node} bytes in all, {@code perUser} for one SSH user,
     * {@code perConnection} for one SSH connection. A large frame, request or reply that does not
     * fit is refused with a clear error to the client that sent it; small ones are never refused.
     * Default: 40 %, 20 % and 10 % of the JVM's maximum heap.
     */
    public Builder memoryBudget(long node, long perUser, long perConnection) {
      this.budget = new MemoryBudget(node, perUser, perConnection, new HeapPressure()::underPressure);
      return this;
    }

    /**
     * Functions of one SSH user queued on or running in the worker pool at once; more wait in
     * the user's own queue, so one user's slow calls cannot take every worker. Default: three
     * quarters of executorThreads (at least a quarter is always left to the other users).
     */
    public Builder maxWorkersPerUser(int n) {
      this.maxWorkersPerUser = positive(n, "maxWorkersPerUser");
      return this;
    }

    /** Exports a module. */
    public Builder module(RpcModule module) {
      modules.add(Objects.requireNonNull(module, "module"));
      return this;
    }

    /** Exports modules. */
    public Builder modules(Collection<RpcModule> ms) {
      ms.forEach(this::module);
      return this;
    }

    /** A fixed access policy. Default: {@link AccessPolicy#ALLOW_ALL} (everything exported). */
    public Builder policy(AccessPolicy p) {
      this.policy = PolicySource.fixed(Objects.requireNonNull(p, "policy"));
      return this;
    }

    /** A policy source, e.g. {@link PolicySource#watching} a file that is re-read when it changes. */
    public Builder policy(PolicySource p) {
      this.policy = Objects.requireNonNull(p, "policy");
      return this;
    }

    /** The node name (an atom) for pids and {@code sshrpc:info/0}. Default {@code sshrpc@localhost}. */
    public Builder nodeName(String name) {
      ErlAtom.of(name);
      this.nodeName = name;
      return this;
    }

    /** Worker threads running functions and processes. Default: max(8, 4 x cores). */
    public Builder executorThreads(int n) {
      this.executorThreads = positive(n, "executorThreads");
      return this;
    }

    /** Work waiting for a worker, beyond which calls fail with {@code overloaded}. Default 10,000. */
    public Builder executorQueue(int n) {
      this.executorQueue = positive(n, "executorQueue");
      return this;
    }

    /** The largest frame accepted; a larger header closes the channel. Default 16 MiB. */
    public Builder maxFrameLength(int n) {
      this.maxFrameLength = positive(n, "maxFrameLength");
      return this;
    }

    /** v2 calls running at once on one channel; more are answered {@code overloaded}. Default 1024. */
    public Builder maxInFlight(int n) {
      this.maxInFlight = positive(n, "maxInFlight");
      return this;
    }

    /**
     * Reply bytes queued for a channel beyond which its input is no longer accepted (and its SSH
     * window no longer released) until the client reads. Default 1 MiB.
     */
    public Builder maxOutboundBytes(long n) {
      if (n <= 0) {
        throw new IllegalArgumentException("maxOutboundBytes: " + n + " (expected: > 0)");
      }
      this.maxOutboundBytes = n;
      return this;
    }

    /**
     * The deadline of v1 calls and of v2 calls sent with {@code infinity}; null for none. Default
     * 5 minutes.
     */
    public Builder defaultCallTimeout(Duration d) {
      if (d != null && (d.isNegative() || d.isZero())) {
        throw new IllegalArgumentException("defaultCallTimeout: " + d + " (expected: > 0)");
      }
      this.defaultCallTimeout = d;
      return this;
    }

    /**
     * How long a frame may take to arrive once it has started; a channel whose frame is still
     * incomplete after that is closed (a slowloris defence). Null for no limit. Default 30 s.
     */
    public Builder frameTimeout(Duration d) {
      if (d != null && (d.isNegative() || d.isZero())) {
        throw new IllegalArgumentException("frameTimeout: " + d + " (expected: > 0)");
      }
      this.frameTimeout = d;
      return this;
    }

    /**
     * Applies the channel-level limits of {@code limits} (frame length, decoder limits, frame
     * timeout, in-flight calls, queued reply bytes); the connection-level ones are MINA's and are
     * applied by {@link RpcServer.Builder#limits}.
     */
    public Builder limits(ServerLimits limits) {
      maxFrameLength(limits.maxFrameLength());
      termLimits(limits.termLimits());
      frameTimeout(limits.frameTimeout());
      maxInFlight(limits.maxInFlightPerChannel());
      maxOutboundBytes(limits.maxOutboundBytesPerChannel());
      if (limits.memoryBudgetNode() > 0) {
        memoryBudget(limits.memoryBudgetNode(), limits.memoryBudgetPerUser(), limits.memoryBudgetPerConnection());
      }
      if (limits.maxWorkersPerUser() > 0) {
        maxWorkersPerUser(limits.maxWorkersPerUser());
      }
      return this;
    }

    /** Decoder limits for request terms. Default: the codec's defaults, input capped at maxFrameLength. */
    public Builder termLimits(TermLimits limits) {
      this.termLimits = limits;
      return this;
    }

    /** Whether to export the built-in {@code lists}, {@code sshrpc} and demo process modules. Default true. */
    public Builder builtins(boolean on) {
      this.builtins = on;
      return this;
    }

    /**
     * Records calls, errors, latency, bytes and sessions into {@code metrics}, and exports the
     * {@code sshrpc_metrics} module (callable only through a policy rule that names it). Default
     * {@link Metrics#none()}: no metrics, no module.
     */
    public Builder metrics(Metrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    // --- Call interception (kept apart from the limits and options above). ---

    /**
     * Adds an interceptor run around every call to an exported function; the first added runs
     * outermost. See {@link ServerInterceptor}.
     *
     * @param interceptor the interceptor
     * @return this builder
     */
    public Builder interceptor(ServerInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    public RpcService build() {
      return new RpcService(this);
    }

    private static int positive(int n, String what) {
      if (n <= 0) {
        throw new IllegalArgumentException(what + ": " + n + " (expected: > 0)");
      }
      return n;
    }
  }
}
