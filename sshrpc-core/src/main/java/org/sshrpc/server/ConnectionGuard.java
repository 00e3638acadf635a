package org.sshrpc.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection-level limits MINA does not have, as a session listener: SSH connections open at
 * once ({@link ServerLimits#maxSessions()}); connections not yet authenticated, per source ({@link
 * ServerLimits#maxUnauthenticatedPerSource()}, OpenSSH's {@code PerSourceMaxStartups}) and in all,
 * with OpenSSH's random early drop ({@link ServerLimits#maxUnauthenticated()}, {@code MaxStartups
 * start:rate:full}); a timeout for the client's SSH version line ({@link
 * ServerLimits#versionLineTimeout()}); and server keepalives that expect an answer ({@link
 * ServerLimits#keepaliveInterval()}, like OpenSSH's {@code ClientAliveInterval}; MINA's own server
 * heartbeat expects none). It also writes the audit lines for connections that end before
 * authenticating.
 *
 * <p>A connection over a limit is refused as soon as its session is created, before the server
 * sends or reads anything, so refusing costs no key exchange.
 */
final class ConnectionGuard implements SessionListener {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  /** Set on sessions counted by this guard; refused sessions never get it. */
  private static final AttributeKey<State> STATE = new AttributeKey<>();

  private final ServerLimits limits;
  /** The early-drop dice; null for {@link ThreadLocalRandom} (tests pass a seeded one). */
  private final RandomGenerator random;
  private final AtomicInteger sessions = new AtomicInteger();
  private final AtomicInteger unauthenticated = new AtomicInteger();
  /**
   * Unauthenticated connections per source ({@link #sourceOf}). An entry exists only while its
   * count is above zero, so the table never holds more entries than there are unauthenticated
   * connections (at most {@link ServerLimits#maxUnauthenticated()}).
   */
  private final ConcurrentHashMap<String, Integer> perSource = new ConcurrentHashMap<>();

  /** Per-session bookkeeping. */
  private static final class State {
    final String source;
    volatile boolean authenticated;
    volatile boolean disconnectLogged;
    volatile boolean versionReceived;
    final AtomicInteger missedKeepalives = new AtomicInteger();
    volatile ScheduledFuture<?> keepalive;
    volatile ScheduledFuture<?> versionTimer;

    State(String source) {
      this.source = source;
    }
  }

  ConnectionGuard(ServerLimits limits) {
    this(limits, null);
  }

  /** With {@code random} (for tests: a seeded {@link java.util.Random}) deciding early drops. */
  ConnectionGuard(ServerLimits limits, RandomGenerator random) {
    this.limits = limits;
    this.random = random;
  }

  /** SSH connections open now (counted ones). */
  int sessions() {
    return sessions.get();
  }

  /** Connections open now that have not authenticated. */
  int unauthenticated() {
    return unauthenticated.get();
  }

  /** Sources with at least one unauthenticated connection (the size of the per-source table). */
  int sourcesTracked() {
    return perSource.size();
  }

  /** Unauthenticated connections open now from {@code source} (as {@link #sourceOf} names it). */
  int unauthenticatedFrom(String source) {
    return perSource.getOrDefault(source, 0);
  }

  /**
   * The source a remote address counts against: an IPv4 address itself (also when IPv4-mapped),
   * an IPv6 address's /64 network, written {@code a:b:c:d::/64}.
   */
  static String sourceOf(SocketAddress remote) {
    InetAddress a = remote instanceof InetSocketAddress ? ((InetSocketAddress) remote).getAddress() : null;
    if (a == null) {
      return String.valueOf(remote);
    }
    byte[] b = a.getAddress();
    if (b.length == 16 && isV4Mapped(b)) {
      return (b[12] & 0xFF) + "." + (b[13] & 0xFF) + "." + (b[14] & 0xFF) + "." + (b[15] & 0xFF);
    }
    if (b.length == 16) {
      StringBuilder s = new StringBuilder(24);
      for (int i = 0; i < 8; i += 2) {
        s.append(Integer.toHexString(((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF))).append(':');
      }
      return s.append(":/64").toString();
    }
    return a.getHostAddress();
  }

  private static boolean isV4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
  }

  /**
   * Admits a new connection from {@code source}, reserving its slots, or returns why it is
   * refused (reserving nothing). Checked in order: connections in all, unauthenticated connections
   * from this source, then unauthenticated connections in all with random early drop, so a source
   * at its own limit does not consume a draw.
   */
  String admit(String source) {
    // Reserve first, then check: concurrent accepts cannot overshoot.
    if (sessions.incrementAndGet() > limits.maxSessions()) {
      sessions.decrementAndGet();
      return "connections at limit (" + limits.maxSessions() + ")";
    }
    int perSourceMax = limits.maxUnauthenticatedPerSource();
    boolean[] over = {false};
    perSource.compute(source, (k, n) -> {
      int next = n == null ? 1 : n + 1;
      if (next > perSourceMax) {
        over[0] = true;
        return n;
      }
      return next;
    });
    if (over[0]) {
      sessions.decrementAndGet();
      return "unauthenticated connections from " + source + " at limit (" + perSourceMax + ")";
    }
    int before = unauthenticated.getAndIncrement();
    String drop = earlyDrop(before);
    if (drop != null) {
      unauthenticated.decrementAndGet();
      releaseSource(source);
      sessions.decrementAndGet();
    }
    return drop;
  }

  /**
   * OpenSSH's {@code should_drop_connection}: with {@code open} unauthenticated connections,
   * accept below start, refuse at full, and in between refuse with probability rate % rising
   * linearly to 100 % at full (one draw in [0, 100) per decision, none outside that range).
   */
  private String earlyDrop(int open) {
    int start = limits.maxStartupsStart();
    int full = limits.maxUnauthenticated();
    if (open < start) {
      return null;
    }
    if (open >= full) {
      return "unauthenticated connections at limit (" + full + ")";
    }
    int rate = limits.maxStartupsRate();
    int p = dropPercent(open, start, rate, full);
    int r = random != null ? random.nextInt(100) : ThreadLocalRandom.current().nextInt(100);
    if (r < p) {
      return "random early drop: " + open + " unauthenticated connections, refused with probability " + p
          + "% (maxStartups " + start + ":" + rate + ":" + full + ")";
    }
    return null;
  }

  /** The refusal probability in percent for {@code start <= open < full} (OpenSSH's integer arithmetic). */
  static int dropPercent(int open, int start, int rate, int full) {
    return rate + (100 - rate) * (open - start) / (full - start);
  }

  /** Frees an admitted connection's unauthenticated slots (it authenticated or closed). */
  void releaseUnauthenticated(String source) {
    unauthenticated.decrementAndGet();
    releaseSource(source);
  }

  private void releaseSource(String source) {
    // Removing the entry at zero keeps the table bounded by the unauthenticated connections.
    perSource.computeIfPresent(source, (k, n) -> n <= 1 ? null : n - 1);
  }

  @Override
  public void sessionCreated(Session session) {
    String source = sourceOf(session.getRemoteAddress());
    String refusal = admit(source);
    if (refusal != null) {
      AuditLog.connectionRefused(null, session.getRemoteAddress(), refusal);
      // MINA closes the connection when a listener fails session creation.
      throw new IllegalStateException("connection refused: " + refusal);
    }
    State st = new State(source);
    session.setAttribute(STATE, st);
    long ms = limits.versionLineTimeout().toMillis();
    st.versionTimer =
        session.getFactoryManager().getScheduledExecutorService()
            .schedule(() -> versionLineTimeout(session, st, ms), ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public void sessionPeerIdentificationReceived(Session session, String version, List<String> extraLines) {
    State st = session.getAttribute(STATE);
    if (st == null) {
      return;
    }
    st.versionReceived = true;
    ScheduledFuture<?> t = st.versionTimer;
    if (t != null) {
      t.cancel(false);
    }
  }

  /**
   * Closes a connection whose client has not sent its identification line in time. MINA sets the
   * client version only once the whole line has arrived (AbstractServerSession.readIdentification),
   * so a peer trickling a partial line is caught too.
   */
  private void versionLineTimeout(Session session, State st, long ms) {
    if (st.versionReceived || session.getClientVersion() != null || !session.isOpen()) {
      return;
    }
    synchronized (st) {
      if (st.disconnectLogged) {
        return;
      }
      st.disconnectLogged = true;
    }
    AuditLog.authFailed(null, null, session.getRemoteAddress(), null, "no SSH version line within " + ms + " ms");
    session.close(true);
  }

  @Override
  public void sessionEvent(Session session, Event event) {
    State st = session.getAttribute(STATE);
    if (st == null || event != Event.Authenticated) {
      return;
    }
    if (leaveUnauthenticated(st)) {
      startKeepalive(session, st);
    }
  }

  /** Frees the connection's unauthenticated slots, once (authenticated or closed, whichever is first). */
  private boolean leaveUnauthenticated(State st) {
    synchronized (st) {
      if (st.authenticated) {
        return false;
      }
      st.authenticated = true; // also marks a closed session, so a late Authenticated event does nothing
    }
    releaseUnauthenticated(st.source);
    ScheduledFuture<?> t = st.versionTimer;
    if (t != null) {
      t.cancel(false);
    }
    return true;
  }

  @Override
  public void sessionDisconnect(Session session, int reason, String msg, String language, boolean initiator) {
    State st = session.getAttribute(STATE);
    if (st == null || st.authenticated || st.disconnectLogged) {
      return;
    }
    st.disconnectLogged = true;
    // Auth timeouts, too many attempts, protocol errors before auth: whoever ended it, say why.
    AuditLog.authFailed(
        session.getUsername(), null, session.getRemoteAddress(), null,
        (initiator ? "disconnected by server: " : "disconnected by client: ")
            + SshConstants.getDisconnectReasonName(reason) + " " + msg);
  }

  @Override
  public void sessionException(Session session, Throwable t) {
    State st = session.getAttribute(STATE);
    if (st == null || st.authenticated || st.disconnectLogged) {
      return;
    }
    st.disconnectLogged = true;
    AuditLog.authFailed(session.getUsername(), null, session.getRemoteAddress(), null, "error before authentication: " + t);
  }

  @Override
  public void sessionClosed(Session session) {
    State st = session.getAttribute(STATE);
    if (st == null) {
      return;
    }
    session.removeAttribute(STATE);
    sessions.decrementAndGet();
    if (leaveUnauthenticated(st)) {
      boolean log;
      synchronized (st) {
        log = !st.disconnectLogged;
        st.disconnectLogged = true;
      }
      if (log) {
        AuditLog.authFailed(session.getUsername(), null, session.getRemoteAddress(), null, "connection closed before authentication");
      }
    }
    ScheduledFuture<?> k = st.keepalive;
    if (k != null) {
      k.cancel(false);
    }
  }

  private void startKeepalive(Session session, State st) {
    Duration interval = limits.keepaliveInterval();
    if (interval.isZero()) {
      return;
    }
    long ms = interval.toMillis();
    st.keepalive =
        session.getFactoryManager().getScheduledExecutorService()
            .scheduleAtFixedRate(() -> keepalive(session, st), ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Sends one {@code keepalive@openssh.com} (want-reply), or disconnects after too many unanswered. */
  private void keepalive(Session session, State st) {
    if (!session.isOpen()) {
      ScheduledFuture<?> k = st.keepalive;
      if (k != null) {
        k.cancel(false);
      }
      return;
    }
    int missed = st.missedKeepalives.get();
    if (missed >= limits.keepaliveMaxMissed()) {
      String reason = missed + " keepalives unanswered";
      LOG.warn("disconnecting {} from {}: {}", LogText.field(session.getUsername()), session.getRemoteAddress(), reason);
      AuditLog.connectionClosed(session.getUsername(), session.getRemoteAddress(), reason);
      try {
        session.disconnect(SshConstants.SSH2_DISCONNECT_CONNECTION_LOST, reason);
      } catch (IOException e) {
        session.close(true);
      }
      return;
    }
    st.missedKeepalives.incrementAndGet();
    try {
      Buffer b = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, 32);
      b.putString("keepalive@openssh.com");
      b.putBoolean(true);
      // Any reply (success, failure, or unimplemented) shows the peer is alive.
      session.request(b, "keepalive@openssh.com", (cmd, reply) -> st.missedKeepalives.set(0));
    } catch (IOException | RuntimeException e) {
      LOG.debug("keepalive to {} failed", LogText.field(String.valueOf(session)), e); // names the peer-chosen user
    }
  }
}
