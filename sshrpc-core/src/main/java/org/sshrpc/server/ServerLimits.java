package org.sshrpc.server;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.sshrpc.term.TermLimits;

/**
 * The configuration of an sshrpc server's resources: one immutable value, with one builder and the
 * one set of defaults, that bounds what one peer (authenticated or not) can make the server hold
 * and sizes its worker pool. {@link RpcServer.Builder#limits(ServerLimits)} and {@link
 * RpcService.Builder#limits(ServerLimits)} take it whole; their setters of single limits ({@code
 * maxFrameLength}, {@code maxInFlight}, …) are conveniences that change the same value, so what
 * {@link RpcServer#limits()} and {@link RpcService#limits()} report is what is enforced. Every
 * limit has a default chosen to be safe on a small host ({@link #DEFAULT}); {@code docs/limits.md}
 * says for each one what happens when it is exceeded.
 *
 *
 * <p>The table of limits, their defaults and what happens past each is {@code docs/limits.md}
 * (its tests, {@code ServerLimitsTest} and {@code ServerConfigTest}, check the defaults and that
 * each is enforced).
 */
public final class ServerLimits {
  /** The defaults of every limit. */
  public static final ServerLimits DEFAULT = builder().build();

  private final int maxFrameLength;
  private final TermLimits termLimits;
  private final Duration frameTimeout;
  private final int maxInFlightPerChannel;
  private final long maxOutboundBytesPerChannel;
  private final int maxChannelsPerSession;
  private final int maxSessionsPerUser;
  private final long memoryBudgetNode;
  private final long memoryBudgetPerUser;
  private final long memoryBudgetPerConnection;
  private final int maxWorkersPerUser;
  private final int maxSessions;
  private final int maxUnauthenticated;
  private final int maxStartupsStart;
  private final int maxStartupsRate;
  private final int maxUnauthenticatedPerSource;
  private final Duration versionLineTimeout;
  private final int maxAuthAttempts;
  private final Duration authTimeout;
  private final Duration idleTimeout;
  private final Duration keepaliveInterval;
  private final int keepaliveMaxMissed;
  private final int executorThreads;
  private final int executorQueue;
  private final Duration defaultCallTimeout;
  // Whether termLimits was given rather than derived from maxFrameLength: newBuilder() keeps a
  // derived one derived, so a frame length set later still caps the decoder.
  private final boolean termLimitsGiven;

  private ServerLimits(Builder b) {
    this.maxFrameLength = b.maxFrameLength;
    this.termLimits =
        b.termLimits != null
            ? b.termLimits
            // A request term is at most as large as a frame, compressed or not: the codec's own
            // 64 MiB default would let a 65 KB compressed frame make the node inflate 64 MiB.
            : TermLimits.DEFAULT.newBuilder()
                .maxInputBytes(b.maxFrameLength)
                .maxDecompressedBytes(Math.min(TermLimits.DEFAULT.maxDecompressedBytes(), b.maxFrameLength))
                .maxBinaryBytes(Math.min(TermLimits.DEFAULT.maxBinaryBytes(), b.maxFrameLength))
                .build();
    this.frameTimeout = b.frameTimeout;
    this.maxInFlightPerChannel = b.maxInFlightPerChannel;
    this.maxOutboundBytesPerChannel = b.maxOutboundBytesPerChannel;
    this.maxChannelsPerSession = b.maxChannelsPerSession;
    this.maxSessionsPerUser = b.maxSessionsPerUser;
    this.memoryBudgetNode = b.memoryBudgetNode;
    this.memoryBudgetPerUser = b.memoryBudgetPerUser;
    this.memoryBudgetPerConnection = b.memoryBudgetPerConnection;
    this.maxWorkersPerUser = b.maxWorkersPerUser;
    this.maxSessions = b.maxSessions;
    this.maxUnauthenticated = b.maxUnauthenticated;
    this.maxStartupsStart = b.maxStartupsStart;
    this.maxStartupsRate = b.maxStartupsRate;
    this.maxUnauthenticatedPerSource = b.maxUnauthenticatedPerSource;
    this.versionLineTimeout = b.versionLineTimeout;
    this.maxAuthAttempts = b.maxAuthAttempts;
    this.authTimeout = b.authTimeout;
    this.idleTimeout = b.idleTimeout;
    this.keepaliveInterval = b.keepaliveInterval;
    this.keepaliveMaxMissed = b.keepaliveMaxMissed;
    this.executorThreads = b.executorThreads;
    this.executorQueue = b.executorQueue;
    this.defaultCallTimeout = b.defaultCallTimeout;
    this.termLimitsGiven = b.termLimits != null;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this value's limits. */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.maxFrameLength = maxFrameLength;
    b.termLimits = termLimitsGiven ? termLimits : null;
    b.frameTimeout = frameTimeout;
    b.maxInFlightPerChannel = maxInFlightPerChannel;
    b.maxOutboundBytesPerChannel = maxOutboundBytesPerChannel;
    b.maxChannelsPerSession = maxChannelsPerSession;
    b.maxSessionsPerUser = maxSessionsPerUser;
    b.memoryBudgetNode = memoryBudgetNode;
    b.memoryBudgetPerUser = memoryBudgetPerUser;
    b.memoryBudgetPerConnection = memoryBudgetPerConnection;
    b.maxWorkersPerUser = maxWorkersPerUser;
    b.maxSessions = maxSessions;
    b.maxUnauthenticated = maxUnauthenticated;
    b.maxStartupsStart = maxStartupsStart;
    b.maxStartupsRate = maxStartupsRate;
    b.maxUnauthenticatedPerSource = maxUnauthenticatedPerSource;
    b.versionLineTimeout = versionLineTimeout;
    b.maxAuthAttempts = maxAuthAttempts;
    b.authTimeout = authTimeout;
    b.idleTimeout = idleTimeout;
    b.keepaliveInterval = keepaliveInterval;
    b.keepaliveMaxMissed = keepaliveMaxMissed;
    b.executorThreads = executorThreads;
    b.executorQueue = executorQueue;
    b.defaultCallTimeout = defaultCallTimeout;
    return b;
  }

  /** The largest frame content accepted, in bytes; a larger length header closes the channel. */
  public int maxFrameLength() {
    return maxFrameLength;
  }

  /** The decoder limits for request terms (depth, element counts, sizes, decompressed size). */
  public TermLimits termLimits() {
    return termLimits;
  }

  /**
   * How long a frame may stall: a channel whose partial frame neither completes nor grows by 64 KiB
   * within this time is closed. A peer that trickles a frame (a slowloris) keeps the SSH session
   * busy enough to defeat the idle timeout, so this bounds it; a large frame over a slow link keeps
   * going, and so does a frame the server itself is holding back because the client does not read.
   */
  public Duration frameTimeout() {
    return frameTimeout;
  }

  /** Calls (and casts) running at once on one channel. */
  public int maxInFlightPerChannel() {
    return maxInFlightPerChannel;
  }

  /** Reply bytes queued for one channel before its input is no longer read. */
  public long maxOutboundBytesPerChannel() {
    return maxOutboundBytesPerChannel;
  }

  /** Channels open at once on one SSH connection (OpenSSH's {@code MaxSessions}). */
  public int maxChannelsPerSession() {
    return maxChannelsPerSession;
  }

  /** Authenticated SSH connections one user may hold at once. */
  public int maxSessionsPerUser() {
    return maxSessionsPerUser;
  }

  /** The memory budget's node level in bytes; 0 for the default, 40 % of the maximum heap. */
  public long memoryBudgetNode() {
    return memoryBudgetNode;
  }

  /** The memory budget's per-user level in bytes; 0 for the default, 20 % of the maximum heap. */
  public long memoryBudgetPerUser() {
    return memoryBudgetPerUser;
  }

  /** The memory budget's per-connection level in bytes; 0 for the default, 10 % of the maximum heap. */
  public long memoryBudgetPerConnection() {
    return memoryBudgetPerConnection;
  }

  /** Functions of one user in the worker pool at once; 0 for the default, ¾ of the pool. */
  public int maxWorkersPerUser() {
    return maxWorkersPerUser;
  }

  /** SSH connections open at once, authenticated or not. */
  public int maxSessions() {
    return maxSessions;
  }

  /**
   * Connections not yet authenticated at once: the <i>full</i> of OpenSSH's {@code MaxStartups
   * start:rate:full}. From {@link #maxStartupsStart()} unauthenticated connections on, a new one is
   * refused at random (random early drop); at this number every new one is refused.
   */
  public int maxUnauthenticated() {
    return maxUnauthenticated;
  }

  /**
   * Unauthenticated connections from which random early drop begins (the <i>start</i> of {@code
   * MaxStartups}): with {@code n} open, a new connection is refused with probability {@link
   * #maxStartupsRate()} % at {@code n = start}, rising linearly to 100 % at {@code n =} {@link
   * #maxUnauthenticated()}. Equal to it: no random drop, only the hard limit.
   */
  public int maxStartupsStart() {
    return maxStartupsStart;
  }

  /** The refusal probability, in percent, at {@link #maxStartupsStart()} (the <i>rate</i> of {@code MaxStartups}). */
  public int maxStartupsRate() {
    return maxStartupsRate;
  }

  /**
   * Unauthenticated connections from one source at once (OpenSSH's {@code PerSourceMaxStartups}).
   * A source is one IPv4 address, or one IPv6 /64 network (OpenSSH's {@code PerSourceNetBlockSize
   * 32:64}): a host that has an IPv6 address usually has its whole /64.
   */
  public int maxUnauthenticatedPerSource() {
    return maxUnauthenticatedPerSource;
  }

  /**
   * Time from connect to the client's SSH identification line ({@code SSH-2.0-...}); a connection
   * that has not sent it by then is closed. Much shorter than {@link #authTimeout()}: every real
   * client sends it at once, so waiting longer only lets idle sockets hold unauthenticated slots.
   */
  public Duration versionLineTimeout() {
    return versionLineTimeout;
  }

  /** Authentication requests one connection may make (OpenSSH's {@code MaxAuthTries}). */
  public int maxAuthAttempts() {
    return maxAuthAttempts;
  }

  /** Time from connect to successful authentication (OpenSSH's {@code LoginGraceTime}). */
  public Duration authTimeout() {
    return authTimeout;
  }

  /** Time without any SSH message from the peer after which the connection is closed. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /**
   * Interval between keepalive requests the server sends (OpenSSH's {@code ClientAliveInterval});
   * {@link Duration#ZERO} for none. A client that answers keepalives is never idle.
   */
  public Duration keepaliveInterval() {
    return keepaliveInterval;
  }

  /** Keepalives left unanswered before the server disconnects (OpenSSH's {@code ClientAliveCountMax}). */
  public int keepaliveMaxMissed() {
    return keepaliveMaxMissed;
  }

  /** Worker threads running functions and processes. Default max(8, 4 × cores). */
  public int executorThreads() {
    return executorThreads;
  }

  /** Work waiting for a worker, beyond which calls fail with {@code overloaded}. Default 10,000. */
  public int executorQueue() {
    return executorQueue;
  }

  /**
   * The deadline of v1 calls and of v2 calls sent with {@code infinity}; null for none. Default 5
   * minutes.
   */
  public Duration defaultCallTimeout() {
    return defaultCallTimeout;
  }

  /** Every field, in declaration order: what equality and the hash code compare. */
  private List<Object> values() {
    return Arrays.asList(
        maxFrameLength, termLimits, frameTimeout, maxInFlightPerChannel, maxOutboundBytesPerChannel,
        maxChannelsPerSession, maxSessionsPerUser, memoryBudgetNode, memoryBudgetPerUser,
        memoryBudgetPerConnection, maxWorkersPerUser, maxSessions, maxUnauthenticated, maxStartupsStart,
        maxStartupsRate, maxUnauthenticatedPerSource, versionLineTimeout, maxAuthAttempts, authTimeout,
        idleTimeout, keepaliveInterval, keepaliveMaxMissed, executorThreads, executorQueue,
        defaultCallTimeout);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServerLimits && ((ServerLimits) o).values().equals(values());
  }

  @Override
  public int hashCode() {
    return values().hashCode();
  }

  /** The names of {@link #values()}, for {@link #toString()}. */
  private static final List<String> NAMES =
      List.of(
          "maxFrameLength", "termLimits", "frameTimeout", "maxInFlightPerChannel", "maxOutboundBytesPerChannel",
          "maxChannelsPerSession", "maxSessionsPerUser", "memoryBudgetNode", "memoryBudgetPerUser",
          "memoryBudgetPerConnection", "maxWorkersPerUser", "maxSessions", "maxUnauthenticated", "maxStartupsStart",
          "maxStartupsRate", "maxUnauthenticatedPerSource", "versionLineTimeout", "maxAuthAttempts", "authTimeout",
          "idleTimeout", "keepaliveInterval", "keepaliveMaxMissed", "executorThreads", "executorQueue",
          "defaultCallTimeout");

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("ServerLimits{");
    List<Object> v = values();
    for (int i = 0; i < NAMES.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(NAMES.get(i)).append('=').append(v.get(i));
    }
    return b.append('}').toString();
  }

  /** A builder of {@link ServerLimits}; counts must be positive and durations greater than zero. */
  public static final class Builder {
    private int maxFrameLength = 16 << 20;
    private TermLimits termLimits;
    private Duration frameTimeout = Duration.ofSeconds(30);
    private int maxInFlightPerChannel = 1024;
    private long maxOutboundBytesPerChannel = 1 << 20;
    private int maxChannelsPerSession = 10;
    private int maxSessionsPerUser = 100;
    private long memoryBudgetNode;
    private long memoryBudgetPerUser;
    private long memoryBudgetPerConnection;
    private int maxWorkersPerUser;
    private int maxSessions = 1000;
    // OpenSSH's MaxStartups default, 10:30:100.
    private int maxStartupsStart = 10;
    private int maxStartupsRate = 30;
    private int maxUnauthenticated = 100;
    // Half of the start: one source alone never pushes the server into random early drop.
    private int maxUnauthenticatedPerSource = 5;
    private Duration versionLineTimeout = Duration.ofSeconds(10);
    private int maxAuthAttempts = 6;
    private Duration authTimeout = Duration.ofSeconds(60);
    private Duration idleTimeout = Duration.ofMinutes(10);
    private Duration keepaliveInterval = Duration.ZERO;
    private int keepaliveMaxMissed = 3;
    private int executorThreads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    private int executorQueue = 10_000;
    private Duration defaultCallTimeout = Duration.ofMinutes(5);

    private Builder() {}

    public Builder maxFrameLength(int n) {
      maxFrameLength = positive("maxFrameLength", n);
      return this;
    }

    /** The request decoder's limits. Default: {@link TermLimits#DEFAULT} with its input capped at {@link #maxFrameLength}. */
    public Builder termLimits(TermLimits limits) {
      termLimits = Objects.requireNonNull(limits, "termLimits");
      return this;
    }

    /** How long a started frame may take to complete; null for no limit. Default 30 s. */
    public Builder frameTimeout(Duration d) {
      frameTimeout = d == null ? null : positive("frameTimeout", d);
      return this;
    }

    public Builder maxInFlightPerChannel(int n) {
      maxInFlightPerChannel = positive("maxInFlightPerChannel", n);
      return this;
    }

    public Builder maxOutboundBytesPerChannel(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxOutboundBytesPerChannel: " + n + " (expected: >= 1)");
      }
      maxOutboundBytesPerChannel = n;
      return this;
    }

    public Builder maxChannelsPerSession(int n) {
      maxChannelsPerSession = positive("maxChannelsPerSession", n);
      return this;
    }

    /**
     * The memory budget for what clients make the node hold (see {@link
     * RpcService.Builder#memoryBudget}), in bytes: the node, one SSH user, one SSH connection.
     * Default (all 0): 40 %, 20 % and 10 % of the maximum heap.
     */
    public Builder memoryBudget(long node, long perUser, long perConnection) {
      if (node < 0 || perUser < 0 || perConnection < 0 || (node == 0) != (perUser == 0) || (node == 0) != (perConnection == 0)) {
        throw new IllegalArgumentException(
            "memoryBudget: " + node + "/" + perUser + "/" + perConnection + " (expected: all > 0, or all 0 for the default)");
      }
      memoryBudgetNode = node;
      memoryBudgetPerUser = perUser;
      memoryBudgetPerConnection = perConnection;
      return this;
    }

    /** Functions of one SSH user in the worker pool at once; 0 for the default (¾ of the pool). */
    public Builder maxWorkersPerUser(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxWorkersPerUser: " + n + " (expected: >= 0)");
      }
      maxWorkersPerUser = n;
      return this;
    }

    public Builder maxSessionsPerUser(int n) {
      maxSessionsPerUser = positive("maxSessionsPerUser", n);
      return this;
    }

    public Builder maxSessions(int n) {
      maxSessions = positive("maxSessions", n);
      return this;
    }

    /**
     * A hard limit of {@code n} unauthenticated connections and no random early drop: the same as
     * {@code maxStartups(n, 100, n)}, like OpenSSH's {@code MaxStartups n}.
     */
    public Builder maxUnauthenticated(int n) {
      maxUnauthenticated = positive("maxUnauthenticated", n);
      maxStartupsStart = n;
      maxStartupsRate = 100;
      return this;
    }

    /**
     * OpenSSH's {@code MaxStartups start:rate:full}: below {@code start} unauthenticated
     * connections every new one is accepted; from {@code start} a new one is refused with
     * probability {@code rate} %, rising linearly to 100 % at {@code full}, which is {@link
     * ServerLimits#maxUnauthenticated()}. Default 10:30:100.
     */
    public Builder maxStartups(int start, int rate, int full) {
      if (start < 0 || full < 1 || start > full || rate < 1 || rate > 100) {
        throw new IllegalArgumentException(
            "maxStartups: " + start + ":" + rate + ":" + full + " (expected: 0 <= start <= full, full >= 1, 1 <= rate <= 100)");
      }
      maxStartupsStart = start;
      maxStartupsRate = rate;
      maxUnauthenticated = full;
      return this;
    }

    public Builder maxUnauthenticatedPerSource(int n) {
      maxUnauthenticatedPerSource = positive("maxUnauthenticatedPerSource", n);
      return this;
    }

    public Builder versionLineTimeout(Duration d) {
      versionLineTimeout = positive("versionLineTimeout", d);
      return this;
    }

    public Builder maxAuthAttempts(int n) {
      maxAuthAttempts = positive("maxAuthAttempts", n);
      return this;
    }

    public Builder authTimeout(Duration d) {
      authTimeout = positive("authTimeout", d);
      return this;
    }

    public Builder idleTimeout(Duration d) {
      idleTimeout = positive("idleTimeout", d);
      return this;
    }

    /** {@link Duration#ZERO} turns keepalives off (the default). */
    public Builder keepaliveInterval(Duration d) {
      Objects.requireNonNull(d, "keepaliveInterval");
      if (d.isNegative()) {
        throw new IllegalArgumentException("keepaliveInterval: " + d + " (expected: >= 0)");
      }
      keepaliveInterval = d;
      return this;
    }

    public Builder keepaliveMaxMissed(int n) {
      keepaliveMaxMissed = positive("keepaliveMaxMissed", n);
      return this;
    }

    /** Worker threads running functions and processes. Default max(8, 4 × cores). */
    public Builder executorThreads(int n) {
      executorThreads = positive("executorThreads", n);
      return this;
    }

    /** Work waiting for a worker, beyond which calls fail with {@code overloaded}. Default 10,000. */
    public Builder executorQueue(int n) {
      executorQueue = positive("executorQueue", n);
      return this;
    }

    /** The deadline of v1 calls and of v2 calls sent with {@code infinity}; null for none. Default 5 min. */
    public Builder defaultCallTimeout(Duration d) {
      defaultCallTimeout = d == null ? null : positive("defaultCallTimeout", d);
      return this;
    }

    public ServerLimits build() {
      return new ServerLimits(this);
    }

    private static int positive(String name, int n) {
      if (n < 1) {
        throw new IllegalArgumentException(name + ": " + n + " (expected: >= 1)");
      }
      return n;
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
      return d;
    }
  }
}
