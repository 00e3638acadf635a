package org.sshrpc.server;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection-level limits MINA does not have, as a session listener: SSH connections open at
 * once ({@link ServerLimits#maxSessions()}), connections not yet authenticated ({@link
 * ServerLimits#maxUnauthenticated()}, like OpenSSH's {@code MaxStartups} without its random early
 * drop), and server keepalives that expect an answer ({@link ServerLimits#keepaliveInterval()},
 * like OpenSSH's {@code ClientAliveInterval}; MINA's own server heartbeat expects none). It also
 * writes the audit lines for connections that end before authenticating.
 *
 * <p>A connection over a limit is refused as soon as its session is created, before the server
 * sends or reads anything, so refusing costs no key exchange.
 */
final class ConnectionGuard implements SessionListener {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  /** Set on sessions counted by this guard; refused sessions never get it. */
  private static final AttributeKey<State> STATE = new AttributeKey<>();

  private final ServerLimits limits;
  private final AtomicInteger sessions = new AtomicInteger();
  private final AtomicInteger unauthenticated = new AtomicInteger();

  /** Per-session bookkeeping. */
  private static final class State {
    volatile boolean authenticated;
    volatile boolean disconnectLogged;
    final AtomicInteger missedKeepalives = new AtomicInteger();
    volatile ScheduledFuture<?> keepalive;
  }

  ConnectionGuard(ServerLimits limits) {
    this.limits = limits;
  }

  /** SSH connections open now (counted ones). */
  int sessions() {
    return sessions.get();
  }

  /** Connections open now that have not authenticated. */
  int unauthenticated() {
    return unauthenticated.get();
  }

  @Override
  public void sessionCreated(Session session) {
    // Reserve both counters first, then check: concurrent accepts cannot overshoot.
    int total = sessions.incrementAndGet();
    int unauth = unauthenticated.incrementAndGet();
    String refusal = null;
    if (total > limits.maxSessions()) {
      refusal = "connections at limit (" + limits.maxSessions() + ")";
    } else if (unauth > limits.maxUnauthenticated()) {
      refusal = "unauthenticated connections at limit (" + limits.maxUnauthenticated() + ")";
    }
    if (refusal != null) {
      sessions.decrementAndGet();
      unauthenticated.decrementAndGet();
      AuditLog.connectionRefused(null, session.getRemoteAddress(), refusal);
      // MINA closes the connection when a listener fails session creation.
      throw new IllegalStateException("connection refused: " + refusal);
    }
    session.setAttribute(STATE, new State());
  }

  @Override
  public void sessionEvent(Session session, Event event) {
    State st = session.getAttribute(STATE);
    if (st == null || event != Event.Authenticated) {
      return;
    }
    synchronized (st) {
      if (st.authenticated) {
        return;
      }
      st.authenticated = true;
    }
    unauthenticated.decrementAndGet();
    startKeepalive(session, st);
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
    boolean wasUnauthenticated;
    synchronized (st) {
      wasUnauthenticated = !st.authenticated;
      st.authenticated = true; // a late Authenticated event must not decrement again
    }
    if (wasUnauthenticated) {
      unauthenticated.decrementAndGet();
      if (!st.disconnectLogged) {
        st.disconnectLogged = true;
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
