package org.sshrpc.client;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.client.session.ClientSession;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.Term;

/**
 * A connection: the current SSH session and its main channel, replaced on a later call after a
 * drop when the {@link ReconnectPolicy} allows.
 */
final class RealRpcConnection implements RpcConnection {
  private final RpcClient client;
  private final NodeAddress address;
  private final ReconnectPolicy policy;
  private volatile ClientSession session;
  private volatile RealRpcChannel main;
  private final InterceptorChain chain;
  // Guarded by this:
  private boolean closed;
  private int failures;
  private long nextAttemptNanos;

  private RealRpcConnection(RpcClient client, NodeAddress address, ReconnectPolicy policy) {
    this.client = client;
    this.address = address;
    this.policy = policy;
    this.chain = client.interceptorChain();
  }

  static RealRpcConnection open(RpcClient client, NodeAddress address, ReconnectPolicy policy)
      throws IOException {
    return open(client, address, policy, Long.MAX_VALUE);
  }

  static RealRpcConnection open(
      RpcClient client, NodeAddress address, ReconnectPolicy policy, long deadlineNanos)
      throws IOException {
    RealRpcConnection c = new RealRpcConnection(client, address, policy);
    synchronized (c) {
      c.establish(deadlineNanos);
    }
    return c;
  }

  /** Opens a session and main channel; caller holds the lock. */
  private void establish(long outerDeadline) throws IOException {
    long deadline = System.nanoTime() + client.connectTimeout().toNanos();
    if (outerDeadline - deadline < 0) {
      deadline = outerDeadline;
    }
    ClientSession s = client.openSession(address, deadline);
    try {
      main = RealRpcChannel.open(s, client.runtime(), address.toString(), deadline);
    } catch (IOException | RuntimeException e) {
      s.close(true);
      throw e;
    }
    session = s;
  }

  /** The open main channel, reconnecting first if the session dropped and the policy allows. */
  private RealRpcChannel channel() {
    RealRpcChannel ch = main;
    if (ch != null && ch.isOpen()) {
      return ch;
    }
    synchronized (this) {
      ch = main;
      if (closed) {
        throw new RpcException(Status.UNAVAILABLE, "connection to " + address + " is closed", Replies.NOCONNECTION);
      }
      if (ch != null && ch.isOpen()) {
        return ch;
      }
      if (!policy.enabled()) {
        throw Replies.unavailable("connection to " + address + " lost (no reconnect policy)", null);
      }
      long now = System.nanoTime();
      if (now - nextAttemptNanos < 0) {
        throw Replies.unavailable(
            "connection to " + address + " lost; next reconnect attempt in "
                + (nextAttemptNanos - now) / 1_000_000 + " ms (after " + failures + " failed)",
            null);
      }
      ClientSession old = session;
      if (old != null) {
        old.close(true);
      }
      try {
        establish(Long.MAX_VALUE);
        failures = 0;
        return main;
      } catch (IOException | RuntimeException e) {
        failures++;
        nextAttemptNanos = System.nanoTime() + policy.delayAfter(failures).toNanos();
        throw Replies.unavailable("reconnect to " + address + " failed: " + e.getMessage(), e);
      }
    }
  }

  /** The current SSH session (for tests and diagnostics). */
  ClientSession session() {
    return session;
  }

  @Override
  public NodeAddress address() {
    return address;
  }

  @Override
  public RpcChannel openChannel() {
    RealRpcChannel ch = channel(); // reconnects if needed
    try {
      return new InterceptedChannel(
          RealRpcChannel.open(
              session,
              client.runtime(),
              address + "/extra",
              System.nanoTime() + client.connectTimeout().toNanos()),
          address,
          chain);
    } catch (IOException e) {
      throw Replies.unavailable("cannot open another channel on " + address + " (" + ch + "): " + e.getMessage(), e);
    }
  }

  @Override
  public <T> T proxy(Class<T> iface) {
    return Proxies.create(this, iface, CallOptions.DEFAULT);
  }

  @Override
  public <T> T proxy(Class<T> iface, CallOptions options) {
    return Proxies.create(this, iface, options);
  }

  @Override
  public int protocolVersion() {
    return channel().protocolVersion();
  }

  @Override
  public Term call(String m, String f, List<? extends Term> args, CallOptions options) {
    return chain.call(channel(), address, m, f, args, options);
  }

  @Override
  public CompletableFuture<Term> callAsync(
      String m, String f, List<? extends Term> args, CallOptions options) {
    RealRpcChannel ch;
    try {
      ch = channel();
    } catch (RpcException e) {
      return CompletableFuture.failedFuture(e);
    }
    return chain.callAsync(ch, address, m, f, args, options);
  }

  @Override
  public void cast(String m, String f, List<? extends Term> args) {
    channel().cast(m, f, args);
  }

  @Override
  public Term spawn(String m, String f, List<? extends Term> args) {
    return channel().spawn(m, f, args);
  }

  @Override
  public void send(Term destination, Term message) {
    channel().send(destination, message);
  }

  @Override
  public boolean register(ErlAtom name, Term pid) {
    return channel().register(name, pid);
  }

  @Override
  public Term whereis(ErlAtom name) {
    return channel().whereis(name);
  }

  @Override
  public void exit(Term pid, Term reason) {
    channel().exit(pid, reason);
  }

  @Override
  public Mailbox mailbox() {
    return channel().mailbox();
  }

  @Override
  public Term monitor(Mailbox mailbox, Term pid) {
    return channel().monitor(mailbox, pid);
  }

  @Override
  public boolean isOpen() {
    RealRpcChannel ch = main;
    return ch != null && ch.isOpen();
  }

  @Override
  public void close() {
    ClientSession s;
    RealRpcChannel ch;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      s = session;
      ch = main;
    }
    if (ch != null) {
      ch.close();
    }
    if (s != null) {
      s.close(false);
    }
  }

  @Override
  public String toString() {
    return "RpcConnection[" + address + ", " + main + "]";
  }
}
