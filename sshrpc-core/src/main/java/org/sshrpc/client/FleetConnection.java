package org.sshrpc.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.Term;

/**
 * A connection to a fleet: the replicas a {@link Target} names (a DNS name, SRV records or a
 * list), one SSH connection to each, and a balancer that picks a replica per call. Thread-safe;
 * built with {@link #builder(RpcClient, String)}; close it when done (the {@link RpcClient} stays
 * the caller's).
 *
 * <ul>
 *   <li><b>Discovery</b>: the target is resolved when built, again when its records' TTL has
 *       passed (no sooner than {@link Builder#minRefresh}, no later than {@link
 *       Builder#maxRefresh}) and soon after a replica fails. Replicas that appear are connected;
 *       replicas that disappear take no new calls and are closed once idle. A failed lookup keeps
 *       the replicas known.
 *   <li><b>Balancing</b>: per call, among ready replicas of the lowest SRV priority, weighted
 *       ({@link BalancingPolicy}; default {@link BalancingPolicy#LEAST_OUTSTANDING}).
 *   <li><b>Health</b>: a connection idle for {@link Builder#healthInterval} is pinged ({@code
 *       sshrpc:ping()}; any reply, even a refusal, proves the replica alive). A replica whose
 *       connection drops, whose ping fails, or that fails {@link Builder#ejectAfterFailures} calls
 *       in a row with {@code UNAVAILABLE} or {@code DEADLINE_EXCEEDED} is ejected: its connection is
 *       closed and it takes no calls; it is probed (connect and ping) after a backoff that grows
 *       with each failed probe, and re-admitted when a probe succeeds.
 *   <li><b>Failures</b>: calls in flight on a replica that dies fail with {@code UNAVAILABLE}, as
 *       on a single connection. A call marked {@link CallOptions#withIdempotent idempotent} is
 *       then retried once on another replica, within its deadline; other calls are never sent
 *       twice. With no ready replica a call fails at once with {@code UNAVAILABLE}.
 * </ul>
 *
 * <p>Process operations ({@code spawn}, {@code send}, mailboxes ...) belong to one node: they fail
 * with {@code INVALID_REQUEST} here; use {@link RpcClient#connect(NodeAddress)} on one replica.
 */
public final class FleetConnection implements RpcChannel {
  private static final Logger LOG = LoggerFactory.getLogger(FleetConnection.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  /** How often the maintenance task looks at the replicas and the resolution. */
  private static final long TICK_MS = 50;
  /** A removed replica still busy is closed after this long regardless. */
  private static final long REMOVED_GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final RpcClient client;
  private final Target target;
  private final DnsClient dns;
  private final BalancingPolicy policy;
  private final Duration healthInterval;
  private final Duration healthTimeout;
  private final Duration minRefresh;
  private final Duration maxRefresh;
  private final int ejectAfterFailures;
  private final ReconnectPolicy readmission;
  private final ScheduledExecutorService timer;
  private final ExecutorService io;
  private final AtomicLong roundRobin = new AtomicLong();
  private final Object resolveLock = new Object();
  private volatile List<Replica> replicas = List.of();
  /** Replicas no longer in the target, closed once their calls in flight have finished. */
  private final List<Replica> draining = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile long nextResolveNanos;
  private volatile long lastResolveNanos;
  private volatile boolean resolving;
  private volatile boolean closed;

  private FleetConnection(Builder b) {
    this.client = b.client;
    this.target = b.target;
    this.dns = target.dnsClient(b.resolver, b.dnsTimeout, 2);
    this.policy = b.policy;
    this.healthInterval = b.healthInterval;
    this.healthTimeout = b.healthTimeout;
    this.minRefresh = b.minRefresh;
    this.maxRefresh = b.maxRefresh;
    this.ejectAfterFailures = b.ejectAfterFailures;
    this.readmission = b.readmission;
    int n = INSTANCES.incrementAndGet();
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sshrpc-fleet-" + n));
    AtomicInteger t = new AtomicInteger();
    this.io = Executors.newCachedThreadPool(r -> daemon(r, "sshrpc-fleet-" + n + "-io-" + t.incrementAndGet()));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** A builder for a fleet connection to {@code target} (see {@link Target}) made with {@code client}. */
  public static Builder builder(RpcClient client, String target) {
    return new Builder(client, Target.parse(target));
  }

  /** A builder for a fleet connection to {@code target} made with {@code client}. */
  public static Builder builder(RpcClient client, Target target) {
    return new Builder(client, target);
  }

  /** Resolves, connects, and waits until one replica is ready or all have failed. */
  private void start(Duration connectWait) throws IOException {
    Target.Resolution r = target.resolve(dns);
    apply(r);
    long deadline = System.nanoTime() + connectWait.toNanos();
    while (true) {
      boolean pending = false;
      for (Replica rep : replicas) {
        if (rep.ready()) {
          timer.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
          return;
        }
        pending |= rep.state == ReplicaStats.State.CONNECTING;
      }
      if (!pending || System.nanoTime() - deadline > 0) {
        StringBuilder why = new StringBuilder();
        for (Replica rep : replicas) {
          why.append("; ").append(rep.address).append(": ").append(rep.lastError == null ? "still connecting" : rep.lastError);
        }
        throw new IOException("no replica of " + target + " could be reached" + why);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while connecting to " + target, e);
      }
    }
  }

  // ------------------------------------------------------------------ discovery

  /** Merges a resolution into the replica set; new replicas start connecting. */
  private void apply(Target.Resolution r) {
    List<Replica> started = new ArrayList<>();
    synchronized (resolveLock) {
      long now = System.nanoTime();
      lastResolveNanos = now;
      long ttl = r.ttlSeconds < 0 ? maxRefresh.toSeconds() : r.ttlSeconds;
      long wait = Math.max(minRefresh.toNanos(), Math.min(TimeUnit.SECONDS.toNanos(ttl), maxRefresh.toNanos()));
      nextResolveNanos = now + wait;
      Map<NodeAddress, Replica> old = new LinkedHashMap<>();
      for (Replica rep : replicas) {
        old.put(rep.address, rep);
      }
      List<Replica> next = new ArrayList<>();
      for (Target.Endpoint e : r.endpoints) {
        Replica rep = old.remove(e.address);
        if (rep == null) {
          rep = new Replica(e);
          started.add(rep);
          LOG.info("fleet {}: replica {} added", target, e);
        } else {
          rep.priority = e.priority;
          rep.weight = e.weight;
        }
        next.add(rep);
      }
      for (Replica gone : old.values()) {
        gone.removed = true;
        gone.removedAtNanos = now;
        LOG.info("fleet {}: replica {} removed (no longer in DNS)", target, gone.address);
        draining.add(gone);
      }
      replicas = List.copyOf(next);
    }
    for (Replica rep : started) {
      if (rep.busy.compareAndSet(false, true)) {
        io.execute(() -> probe(rep, true));
      }
    }
  }

  /** Re-resolves soon (a replica failed): no sooner than minRefresh after the last lookup. */
  private void resolveSoon() {
    long earliest = lastResolveNanos + minRefresh.toNanos();
    if (nextResolveNanos - earliest > 0) {
      nextResolveNanos = earliest;
    }
  }

  /** Resolves now (in the background), e.g. after changing DNS records. */
  public void refresh() {
    nextResolveNanos = System.nanoTime();
  }

  private void resolveInBackground() {
    if (target.kind() == Target.Kind.NODE || target.kind() == Target.Kind.STATIC) {
      nextResolveNanos = System.nanoTime() + maxRefresh.toNanos(); // nothing to look up
      return;
    }
    if (resolving) {
      return; // the lookup under way sets the next time when it ends
    }
    resolving = true;
    io.execute(() -> {
      try {
        apply(target.resolve(dns));
      } catch (IOException | RuntimeException e) {
        // Keep the replicas we know: DNS being down must not take the fleet down.
        LOG.warn("fleet {}: re-resolution failed, keeping {} known replicas: {}", target, replicas.size(), e.getMessage());
        lastResolveNanos = System.nanoTime();
        nextResolveNanos = lastResolveNanos + minRefresh.toNanos();
      } finally {
        resolving = false;
      }
    });
  }

  // ------------------------------------------------------------------ health

  private void tick() {
    if (closed) {
      return;
    }
    try {
      long now = System.nanoTime();
      if (now - nextResolveNanos >= 0) {
        resolveInBackground();
      }
      for (Replica rep : replicas) {
        if (rep.state == ReplicaStats.State.EJECTED) {
          if (now - rep.probeAtNanos >= 0 && rep.busy.compareAndSet(false, true)) {
            io.execute(() -> probe(rep, false));
          }
        } else if (rep.state == ReplicaStats.State.READY) {
          RpcConnection c = rep.conn;
          if (c == null || !c.isOpen()) {
            eject(rep, "connection lost");
          } else if (rep.outstanding.get() == 0
              && now - rep.lastActivityNanos >= healthInterval.toNanos()
              && rep.busy.compareAndSet(false, true)) {
            ping(rep, c);
          }
        }
      }
      for (Replica gone : draining) {
        if (gone.outstanding.get() == 0 || now - gone.removedAtNanos > REMOVED_GRACE_NANOS) {
          draining.remove(gone);
          closeQuietly(gone.conn);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("fleet {}: maintenance failed", target, e);
    }
  }

  /** A cheap call on an idle connection; any reply means alive. */
  private void ping(Replica rep, RpcConnection c) {
    rep.lastActivityNanos = System.nanoTime();
    c.callAsync("sshrpc", "ping", List.of(), CallOptions.timeout(healthTimeout))
        .whenComplete((v, e) -> {
          rep.busy.set(false);
          if (e != null && !alive(e)) {
            eject(rep, "health check failed: " + e.getMessage());
          }
        });
  }

  /** Whether a failure still proves the replica answered (an error reply, a refusal). */
  private static boolean alive(Throwable e) {
    Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    if (!(t instanceof RpcException)) {
      return false;
    }
    Status s = ((RpcException) t).status();
    return s != Status.UNAVAILABLE && s != Status.DEADLINE_EXCEEDED && s != Status.CANCELLED;
  }

  /** Connects (if needed) and pings; on an io thread, with {@code busy} held. */
  private void probe(Replica rep, boolean first) {
    try {
      if (closed || rep.removed) {
        return;
      }
      RpcConnection c = rep.conn;
      if (c == null || !c.isOpen()) {
        closeQuietly(c);
        c = client.connect(rep.address);
        rep.conn = c;
      }
      if (!first) {
        try {
          c.call("sshrpc", "ping", List.of(), CallOptions.timeout(healthTimeout));
        } catch (RpcException e) {
          if (!alive(e)) {
            throw e;
          }
        }
      }
      if (closed || rep.removed) {
        closeQuietly(c);
        return;
      }
      synchronized (rep) {
        rep.failedProbes = 0;
        rep.consecutiveFailures.set(0);
        rep.lastActivityNanos = System.nanoTime();
        rep.state = ReplicaStats.State.READY;
      }
      if (!first) {
        LOG.info("fleet {}: replica {} re-admitted", target, rep.address);
      }
    } catch (IOException | RuntimeException e) {
      String why = e.getMessage();
      synchronized (rep) {
        rep.failedProbes++;
        rep.lastError = why;
        if (rep.state != ReplicaStats.State.EJECTED) {
          rep.ejections.incrementAndGet();
          rep.state = ReplicaStats.State.EJECTED;
        }
        rep.probeAtNanos = System.nanoTime() + backoff(rep.failedProbes);
      }
      closeQuietly(rep.conn);
      LOG.info("fleet {}: replica {} {}: {}", target, rep.address, first ? "cannot be reached" : "still down", why);
    } finally {
      rep.busy.set(false);
    }
  }

  private long backoff(int failures) {
    // Plus one tick, so that a dead replica is never probed in a tight loop even with zero jitter.
    return readmission.delayAfter(failures).toNanos() + TimeUnit.MILLISECONDS.toNanos(TICK_MS);
  }

  /** Takes a replica out of rotation, closes its connection (its calls fail UNAVAILABLE). */
  private void eject(Replica rep, String why) {
    synchronized (rep) {
      if (rep.state == ReplicaStats.State.EJECTED || closed) {
        return;
      }
      rep.state = ReplicaStats.State.EJECTED;
      rep.ejections.incrementAndGet();
      rep.lastError = why;
      rep.failedProbes = 0;
      rep.probeAtNanos = System.nanoTime() + backoff(1);
    }
    LOG.warn("fleet {}: replica {} ejected: {}", target, rep.address, why);
    closeQuietly(rep.conn);
    resolveSoon();
  }

  private static void closeQuietly(RpcConnection c) {
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException e) {
        // closing anyway
      }
    }
  }

  // ------------------------------------------------------------------ picking

  /** A ready replica not in {@code exclude}, by the policy; null when there is none. */
  Replica pick(Set<Replica> exclude) {
    List<Replica> all = replicas;
    List<Replica> ready = new ArrayList<>(all.size());
    int best = Integer.MAX_VALUE;
    for (Replica r : all) {
      if (r.ready() && !exclude.contains(r)) {
        int p = r.priority;
        if (p < best) {
          best = p;
          ready.clear();
        }
        if (p == best) {
          ready.add(r);
        }
      }
    }
    if (ready.isEmpty()) {
      return null;
    }
    if (ready.size() == 1) {
      return ready.get(0);
    }
    // RFC 2782: weight 0 is chosen only when nothing of that priority has a weight.
    long total = 0;
    for (Replica r : ready) {
      total += r.weight;
    }
    boolean unweighted = total == 0;
    if (unweighted) {
      total = ready.size();
    }
    if (policy == BalancingPolicy.ROUND_ROBIN) {
      return byWeight(ready, Math.floorMod(roundRobin.getAndIncrement(), total), unweighted);
    }
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    Replica a = byWeight(ready, rnd.nextLong(total), unweighted);
    Replica b = a;
    for (int i = 0; i < 4 && b == a; i++) {
      b = byWeight(ready, rnd.nextLong(total), unweighted);
    }
    // Fewer calls in flight per unit of weight wins; (n + 1) so that idle replicas compare by weight.
    double la = (a.outstanding.get() + 1) / (double) (unweighted ? 1 : Math.max(a.weight, 1));
    double lb = (b.outstanding.get() + 1) / (double) (unweighted ? 1 : Math.max(b.weight, 1));
    return lb < la ? b : a;
  }

  private static Replica byWeight(List<Replica> ready, long ticket, boolean unweighted) {
    long acc = 0;
    for (Replica r : ready) {
      acc += unweighted ? 1 : r.weight;
      if (ticket < acc) {
        return r;
      }
    }
    return ready.get(ready.size() - 1);
  }

  private RpcException noReplica(Set<Replica> tried, RpcException last) {
    if (closed) {
      return new RpcException(Status.UNAVAILABLE, "fleet connection to " + target + " is closed", Replies.NOCONNECTION);
    }
    if (last != null) {
      return last;
    }
    int n = replicas.size();
    return Replies.unavailable("no ready replica of " + target + " (" + n + " known, all ejected or connecting)", null);
  }

  // ------------------------------------------------------------------ calls

  /** A reply and the replica that gave it. */
  public static final class Answer {
    private final Term value;
    private final NodeAddress replica;
    private final int attempts;

    Answer(Term value, NodeAddress replica, int attempts) {
      this.value = value;
      this.replica = replica;
      this.attempts = attempts;
    }

    public Term value() {
      return value;
    }

    /** The replica that answered. */
    public NodeAddress replica() {
      return replica;
    }

    /** 1, or 2 when the call was retried on another replica. */
    public int attempts() {
      return attempts;
    }
  }

  /**
   * What to do after a failed attempt on {@code rep}: updates its health; returns true when the
   * call may go to another replica.
   */
  private boolean failed(Replica rep, RpcException e, CallOptions options, boolean retriedAlready) {
    Status s = e.status();
    RpcConnection c = rep.conn;
    boolean dropped = s == Status.UNAVAILABLE && (c == null || !c.isOpen());
    if (dropped) {
      eject(rep, "connection lost: " + e.getMessage());
    } else if (s == Status.UNAVAILABLE || s == Status.DEADLINE_EXCEEDED) {
      if (rep.consecutiveFailures.incrementAndGet() >= ejectAfterFailures) {
        eject(rep, ejectAfterFailures + " calls in a row failed, last: " + e.getMessage());
      }
    } else {
      rep.consecutiveFailures.set(0);
    }
    return s == Status.UNAVAILABLE
        && options.isIdempotent()
        && !retriedAlready
        && options.remainingNanos() > 0;
  }

  /** Calls on one replica, retried once on another if idempotent; says which replica answered. */
  public Answer answer(String m, String f, List<? extends Term> args, CallOptions options) {
    Set<Replica> tried = Set.of(); // at most one replica to avoid: the first attempt's
    RpcException last = null;
    for (int attempt = 1; attempt <= 2; attempt++) {
      Replica rep = pick(tried);
      if (rep == null) {
        throw noReplica(tried, last);
      }
      tried = Set.of(rep);
      RpcConnection c = rep.conn;
      rep.outstanding.incrementAndGet();
      long start = System.nanoTime();
      try {
        Term v = c.call(m, f, args, options);
        rep.consecutiveFailures.set(0);
        rep.recordCall(start, false);
        return new Answer(v, rep.address, attempt);
      } catch (RpcException e) {
        rep.recordCall(start, true);
        rep.lastError = e.getMessage();
        if (!failed(rep, e, options, attempt > 1)) {
          throw e;
        }
        last = e;
      } finally {
        rep.outstanding.decrementAndGet();
      }
    }
    throw last;
  }

  /** {@link #answer} without waiting; the future fails as {@link #callAsync} does. */
  public CompletableFuture<Answer> answerAsync(String m, String f, List<? extends Term> args, CallOptions options) {
    CompletableFuture<Answer> result = new CompletableFuture<>();
    attemptAsync(m, List.copyOf(args), f, options, Set.of(), null, 1, result);
    return result;
  }

  /** One attempt; {@code tried} is empty, or the first attempt's replica on the retry. */
  private void attemptAsync(String m, List<Term> args, String f, CallOptions options, Set<Replica> tried,
      RpcException last, int attempt, CompletableFuture<Answer> result) {
    Replica rep = pick(tried);
    if (rep == null) {
      result.completeExceptionally(noReplica(tried, last));
      return;
    }
    rep.outstanding.incrementAndGet();
    long start = System.nanoTime();
    CompletableFuture<Term> f0;
    try {
      f0 = rep.conn.callAsync(m, f, args, options);
    } catch (RuntimeException e) { // misuse (a bad argument): nothing was sent
      rep.outstanding.decrementAndGet();
      result.completeExceptionally(e);
      return;
    }
    f0.whenComplete((v, e) -> {
      rep.outstanding.decrementAndGet();
      if (e == null) {
        rep.consecutiveFailures.set(0);
        rep.recordCall(start, false);
        result.complete(new Answer(v, rep.address, attempt));
        return;
      }
      rep.recordCall(start, true);
      Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
      RpcException re = t instanceof RpcException ? (RpcException) t : Replies.unavailable(String.valueOf(t.getMessage()), t);
      rep.lastError = re.getMessage();
      if (failed(rep, re, options, attempt > 1) && !result.isDone()) {
        attemptAsync(m, args, f, options, Set.of(rep), re, attempt + 1, result);
      } else {
        result.completeExceptionally(re);
      }
    });
    result.whenComplete((v, e) -> {
      if (result.isCancelled()) {
        f0.cancel(true);
      }
    });
  }

  @Override
  public Term call(String m, String f, List<? extends Term> args, CallOptions options) {
    return answer(m, f, args, options).value();
  }

  @Override
  public CompletableFuture<Term> callAsync(String m, String f, List<? extends Term> args, CallOptions options) {
    CompletableFuture<Answer> a = answerAsync(m, f, args, options);
    CompletableFuture<Term> out = a.thenApply(Answer::value);
    out.whenComplete((v, e) -> {
      if (out.isCancelled()) {
        a.cancel(true);
      }
    });
    return out;
  }

  /** Casts to one replica (never retried: a cast is never known to have arrived). */
  @Override
  public void cast(String m, String f, List<? extends Term> args) {
    Replica rep = pick(Set.of());
    if (rep == null) {
      throw noReplica(Set.of(), null);
    }
    rep.conn.cast(m, f, args);
  }

  /**
   * Casts to one replica and waits until that replica has read the cast (a ping round trip on the
   * same channel: frames are read in order); returns the replica. For a caller about to close.
   *
   * @throws RpcException {@code UNAVAILABLE} if no replica is ready or its connection dropped
   */
  public NodeAddress castConfirmed(String m, String f, List<? extends Term> args) {
    Replica rep = pick(Set.of());
    if (rep == null) {
      throw noReplica(Set.of(), null);
    }
    RpcConnection c = rep.conn;
    c.cast(m, f, args);
    try {
      c.call("sshrpc", "ping", List.of(), CallOptions.timeout(healthTimeout.multipliedBy(5)));
    } catch (RpcException e) {
      if (!alive(e)) {
        throw e;
      }
    }
    return rep.address;
  }

  /**
   * Calls {@code m:f(args)} on every replica the target names now (ejected ones too), as {@link
   * RpcClient#multicallNodes}.
   */
  public MulticallResult multicall(String m, String f, List<? extends Term> args, Duration timeout) {
    List<NodeAddress> nodes = new ArrayList<>();
    for (Replica r : replicas) {
      nodes.add(r.address);
    }
    return client.multicallNodes(nodes, m, f, args, timeout);
  }

  /** The replicas now, with their state and metrics, in resolution order. */
  public List<ReplicaStats> replicas() {
    List<ReplicaStats> out = new ArrayList<>();
    for (Replica r : replicas) {
      out.add(r.stats());
    }
    return out;
  }

  /** The target this fleet was built from. */
  public Target target() {
    return target;
  }

  /**
   * A typed proxy (see {@link RpcConnection#proxy}) whose calls are balanced over the fleet.
   */
  public <T> T proxy(Class<T> iface) {
    return proxy(iface, CallOptions.DEFAULT);
  }

  /**
   * A typed proxy, as {@link #proxy(Class)}, whose every call is made with {@code options} (see
   * {@link RpcConnection#proxy(Class, CallOptions)}).
   *
   * @param <T> the interface
   * @param iface an interface annotated with {@link RemoteModule}
   * @param options the options of every call through the proxy
   * @return the proxy
   */
  public <T> T proxy(Class<T> iface, CallOptions options) {
    return Proxies.create(this, iface, options);
  }

  /** The protocol version of a ready replica (2 for sshrpc servers), or 1 with none ready. */
  @Override
  public int protocolVersion() {
    Replica r = anyReady();
    return r == null ? 1 : r.conn.protocolVersion();
  }

  /** A ready replica, without advancing the round robin. */
  private Replica anyReady() {
    for (Replica r : replicas) {
      if (r.ready()) {
        return r;
      }
    }
    return null;
  }

  private static RpcException onOneNode(String what) {
    return new RpcException(Status.INVALID_REQUEST,
        what + " needs one node, not a fleet: connect to one replica (RpcClient.connect)", ErlAtom.of("badarg"));
  }

  @Override
  public Term spawn(String m, String f, List<? extends Term> args) {
    throw onOneNode("spawn");
  }

  @Override
  public void send(Term destination, Term message) {
    throw onOneNode("send");
  }

  @Override
  public boolean register(ErlAtom name, Term pid) {
    throw onOneNode("register");
  }

  @Override
  public Term whereis(ErlAtom name) {
    throw onOneNode("whereis");
  }

  @Override
  public void exit(Term pid, Term reason) {
    throw onOneNode("exit");
  }

  @Override
  public Mailbox mailbox() {
    throw onOneNode("mailbox");
  }

  @Override
  public Term monitor(Mailbox mailbox, Term pid) {
    throw onOneNode("monitor");
  }

  /** True until closed while some replica is ready. */
  @Override
  public boolean isOpen() {
    return !closed && anyReady() != null;
  }

  /** Closes every replica's connection (their calls in flight fail UNAVAILABLE) and the threads. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    timer.shutdownNow();
    io.shutdownNow();
    for (Replica r : replicas) {
      closeQuietly(r.conn);
    }
    for (Replica r : draining) {
      closeQuietly(r.conn);
    }
  }

  @Override
  public String toString() {
    return "FleetConnection[" + target + ", " + replicas + "]";
  }

  /** Builder for {@link FleetConnection}. */
  public static final class Builder {
    private final RpcClient client;
    private final Target target;
    private InetSocketAddress resolver;
    private BalancingPolicy policy = BalancingPolicy.LEAST_OUTSTANDING;
    private Duration healthInterval = Duration.ofSeconds(5);
    private Duration healthTimeout = Duration.ofSeconds(2);
    private Duration minRefresh = Duration.ofSeconds(5);
    private Duration maxRefresh = Duration.ofMinutes(5);
    private Duration dnsTimeout = Duration.ofSeconds(2);
    private int ejectAfterFailures = 5;
    private ReconnectPolicy readmission =
        ReconnectPolicy.builder().initialDelay(Duration.ofSeconds(1)).maxDelay(Duration.ofSeconds(30)).build();

    private Builder(RpcClient client, Target target) {
      this.client = Objects.requireNonNull(client, "client");
      this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * The DNS server to ask (for tests and split-horizon DNS); default: the server named in the
     * target, else the first {@code nameserver} of {@code /etc/resolv.conf}, else (for {@code
     * dns:} targets) the JDK's resolver, whose TTLs are unknown ({@link #maxRefresh} applies).
     */
    public Builder resolver(InetSocketAddress server) {
      this.resolver = server;
      return this;
    }

    /** How a replica is picked per call; default {@link BalancingPolicy#LEAST_OUTSTANDING}. */
    public Builder policy(BalancingPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** A connection idle this long is pinged; default 5 s. */
    public Builder healthInterval(Duration d) {
      this.healthInterval = positive(d, "healthInterval");
      return this;
    }

    /** A ping unanswered this long ejects the replica; default 2 s. */
    public Builder healthTimeout(Duration d) {
      this.healthTimeout = positive(d, "healthTimeout");
      return this;
    }

    /** Re-resolution never happens sooner than this after the last one, whatever the TTL; default 5 s. */
    public Builder minRefresh(Duration d) {
      this.minRefresh = positive(d, "minRefresh");
      return this;
    }

    /** Re-resolution happens at least this often, whatever the TTL; default 5 min. */
    public Builder maxRefresh(Duration d) {
      this.maxRefresh = positive(d, "maxRefresh");
      return this;
    }

    /** How long one DNS query waits for an answer (twice over UDP, then TCP if truncated); default 2 s. */
    public Builder dnsTimeout(Duration d) {
      this.dnsTimeout = positive(d, "dnsTimeout");
      return this;
    }

    /** Calls failing in a row ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}) that eject a replica; default 5. */
    public Builder ejectAfterFailures(int n) {
      if (n < 1 || n > 1000) {
        throw new IllegalArgumentException("ejectAfterFailures " + n + " (expected: 1..1000)");
      }
      this.ejectAfterFailures = n;
      return this;
    }

    /**
     * The backoff before probing an ejected replica again, growing with each failed probe;
     * default from 1 s, doubling, at most 30 s (with jitter).
     */
    public Builder readmission(ReconnectPolicy backoff) {
      this.readmission = Objects.requireNonNull(backoff, "backoff");
      if (!backoff.enabled()) {
        throw new IllegalArgumentException("readmission backoff must be enabled (expected: a ReconnectPolicy from its builder)");
      }
      return this;
    }

    /**
     * Resolves the target, connects to every replica, and returns once one is ready.
     *
     * @throws IOException if the target cannot be resolved, or no replica can be reached within
     *     the client's connect timeout; the message names each replica's failure
     */
    public FleetConnection build() throws IOException {
      if (maxRefresh.compareTo(minRefresh) < 0) {
        throw new IllegalArgumentException("maxRefresh " + maxRefresh + " < minRefresh " + minRefresh);
      }
      FleetConnection f = new FleetConnection(this);
      try {
        f.start(client.connectTimeout().plusSeconds(1));
      } catch (IOException | RuntimeException e) {
        f.close();
        throw e;
      }
      return f;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }
  }
}
