package org.sshrpc.client;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.apache.sshd.client.session.ClientSession;
import org.sshrpc.Deadline;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Protocol;
import org.sshrpc.wire.Reason;
import org.sshrpc.wire.ServerMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sshrpc channel: the calls and process operations of {@link RpcChannel}, made of parts with
 * one job each: {@link Negotiation} (the hello), {@link ChannelWriter} (the single writer and the
 * in-flight limit), {@link ChannelReader} (the single reader and dispatch), {@link CallTable}
 * (calls waiting for replies), {@link ChannelProcesses} (mailboxes and monitors), over a {@link
 * ClientTransport} (SSH, or a pipe in tests). Every message is a {@link ClientMessage} or {@link
 * ServerMessage} of {@code org.sshrpc.wire}. See CONCURRENCY.md in this package for which thread
 * does what.
 */
final class RealRpcChannel implements RpcChannel {
  /** Bound on waiting for the reply to a spawn, register, whereis, monitor, mailbox or exit. */
  static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(RealRpcChannel.class);

  private final ClientRuntime rt;
  private final String peer;
  private final CallTable table = new CallTable();
  private final ChannelProcesses processes;
  private final ChannelWriter writer;
  private final ChannelReader reader;
  private final CompletableFuture<Term> hello = new CompletableFuture<>();
  private volatile int version; // 0 until negotiated
  private volatile RpcException closed;
  private volatile Term serverInfo = ErlMap.of();
  /** The server's advertised decode limits, checked before sending; none until it states them. */
  private volatile SendLimits limits = SendLimits.NONE;
  private volatile ClientTransport transport;

  private RealRpcChannel(ClientRuntime rt, String peer) {
    this.rt = rt;
    this.peer = peer;
    this.processes = new ChannelProcesses(peer);
    this.writer = new ChannelWriter(peer, table, this::closeWith);
    this.reader = new ChannelReader(this, peer, rt, table, processes);
  }

  /** Opens the subsystem on {@code session} and negotiates, all before {@code deadlineNanos}. */
  static RealRpcChannel open(ClientSession session, ClientRuntime rt, String peer, long deadlineNanos)
      throws IOException {
    return open(MinaClientTransport.on(session), rt, peer, deadlineNanos);
  }

  /** Opens a channel over the transport {@code opener} makes, and negotiates, before {@code deadlineNanos}. */
  static RealRpcChannel open(ClientTransport.Opener opener, ClientRuntime rt, String peer, long deadlineNanos)
      throws IOException {
    RealRpcChannel rc = new RealRpcChannel(rt, peer);
    String what = "cannot open " + Protocol.SUBSYSTEM + " on " + peer;
    try {
      ClientTransport t = opener.open(rc.reader, deadlineNanos);
      rc.transport = t;
      if (!rc.isOpen()) {
        t.close(); // the transport ended while it opened: the close found no transport to close
        throw new IOException("channel closed while opening");
      }
      rc.writer.start(rc.transport);
      rc.negotiate(deadlineNanos);
    } catch (RpcException e) {
      rc.closeWith(e);
      throw new IOException(e.getMessage(), e);
    } catch (IOException e) {
      rc.closeWith(Replies.unavailable(what, e));
      throw new IOException(what + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      rc.closeWith(Replies.unavailable(what, e));
      throw e;
    }
    return rc;
  }

  private void negotiate(long deadlineNanos) throws IOException {
    if (rt.maxVersion < Protocol.V2) {
      writer.negotiated(1, true, false);
      version = Protocol.V1;
      return;
    }
    writer.enqueue(new ChannelWriter.Outgoing(Codec.encode(Negotiation.hello().toTerm()), null));
    Term reply;
    try {
      long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
      if (ms <= 0) {
        throw new IOException("connect timeout");
      }
      reply = hello.get(ms, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("no reply to sshrpc_hello from " + peer + " within the connect timeout");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while negotiating with " + peer);
    } catch (ExecutionException e) {
      throw new IOException("negotiation with " + peer + " failed: " + e.getCause().getMessage(), e.getCause());
    }
    Negotiation.Result r = Negotiation.of(reply, peer);
    serverInfo = r.serverInfo();
    limits = r.limits();
    writer.negotiated(r.maxInFlight(), r.version() == Protocol.V1, r.frameErrors());
    version = r.version();
    log.debug("channel to {} speaks v{}", peer, version);
  }

  /** The reader's first frame, while the version is still 0. */
  void helloReplied(Term t) {
    hello.complete(t);
  }

  // ---------------------------------------------------------------- calls

  @Override
  public int protocolVersion() {
    return version;
  }

  /** Calls waiting for a reply (for tests). */
  int callsWaiting() {
    return table.size();
  }

  /** The options map of the server's hello (empty for v1). */
  Term serverInfo() {
    return serverInfo;
  }

  @Override
  public Term call(String m, String f, List<? extends Term> args, CallOptions options) {
    PendingCall p = startCall(m, f, args, options, false);
    return await(p, options);
  }

  @Override
  public CompletableFuture<Term> callAsync(
      String m, String f, List<? extends Term> args, CallOptions options) {
    try {
      return startCall(m, f, args, options, true).future;
    } catch (RpcException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private PendingCall startCall(String m, String f, List<? extends Term> args, CallOptions o, boolean async) {
    ErlAtom mod = ErlAtom.of(m);
    ErlAtom fun = ErlAtom.of(f);
    ErlList a = ErlList.of(args);
    String what = m + ":" + f + "/" + args.size();
    if (version == Protocol.V1) {
      return start(what, id -> new ClientMessage.Mfa(mod, fun, a, false), o, async, null);
    }
    Deadline d = o.deadline().orElse(null);
    return start(
        what,
        id -> new ClientMessage.Call(
            id, mod, fun, a,
            d == null ? ClientMessage.Call.INFINITY : Math.max(1, d.timeRemaining(TimeUnit.MILLISECONDS))),
        o,
        async,
        null);
  }

  @Override
  public void cast(String m, String f, List<? extends Term> args) {
    ErlAtom mod = ErlAtom.of(m);
    ErlAtom fun = ErlAtom.of(f);
    ErlList a = ErlList.of(args);
    if (version == Protocol.V1) {
      // v1 has no cast: make the call and discard its answer (it still takes its turn).
      start(m + ":" + f + "/" + args.size(), id -> new ClientMessage.Mfa(mod, fun, a, false), CallOptions.DEFAULT, true, null);
      return;
    }
    control("cast " + m + ":" + f + "/" + args.size(), new ClientMessage.Cast(mod, fun, a));
  }

  @Override
  public Term spawn(String m, String f, List<? extends Term> args) {
    requireV2("spawn");
    ErlAtom mod = ErlAtom.of(m);
    ErlAtom fun = ErlAtom.of(f);
    ErlList a = ErlList.of(args);
    return request("spawn " + m + ":" + f + "/" + args.size(), id -> new ClientMessage.Spawn(id, mod, fun, a), null);
  }

  @Override
  public void send(Term destination, Term message) {
    requireV2("send");
    control("send", new ClientMessage.Send(destination, message));
  }

  @Override
  public boolean register(ErlAtom name, Term pid) {
    requireV2("register");
    ErlPid p = pid(pid, "register " + name.name());
    try {
      return ErlAtom.TRUE.equals(request("register " + name.name(), id -> new ClientMessage.Register(id, name, p), null));
    } catch (RpcException e) {
      if (ServerMessage.Reply.BADARG.equals(e.reason())) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public Term whereis(ErlAtom name) {
    requireV2("whereis");
    return request("whereis " + name.name(), id -> new ClientMessage.Whereis(id, name), null);
  }

  @Override
  public void exit(Term pid, Term reason) {
    requireV2("exit");
    ErlPid p = pid(pid, "exit");
    request("exit", id -> new ClientMessage.Exit(id, p, reason), null);
  }

  @Override
  public Mailbox mailbox() {
    requireV2("mailbox");
    RealMailbox[] made = new RealMailbox[1];
    // Registered by the reader before it reads on, so no message to the new pid is missed.
    request("mailbox", ClientMessage.Mailbox::new, pid -> made[0] = processes.newMailbox(pid));
    return made[0];
  }

  @Override
  public Term monitor(Mailbox mailbox, Term pid) {
    requireV2("monitor");
    RealMailbox mb = processes.own(mailbox);
    ErlPid p = pid(pid, "monitor");
    return request("monitor", id -> new ClientMessage.Monitor(id, p), ref -> processes.monitored(ref, mb, p));
  }

  /** {@code pid} as a pid; a request naming anything else is refused here, as the server would. */
  private static ErlPid pid(Term pid, String what) {
    if (pid instanceof ErlPid) {
      return (ErlPid) pid;
    }
    String detail = what + ": not a pid: " + Replies.brief(pid);
    throw new RpcException(Status.INVALID_REQUEST, detail, Terms.tuple(Reason.BADREQUEST.atom(), Terms.binary(detail)));
  }

  /**
   * A v2 request other than a call (spawn, register, mailbox ...). These carry no deadline on the
   * wire and are quick on the server; the client still bounds its wait so that a server that
   * never answers cannot hold the caller.
   */
  private Term request(String what, LongFunction<ClientMessage> msg, Consumer<Term> onReply) {
    CallOptions o = CallOptions.timeout(CONTROL_TIMEOUT);
    PendingCall p = start(what, msg, o, false, onReply);
    return await(p, o);
  }

  private void requireV2(String op) {
    checkOpen();
    if (version != Protocol.V2) {
      throw new RpcException(
          Status.INVALID_REQUEST, op + " needs protocol v2; " + peer + " speaks v1", null);
    }
  }

  private void control(String what, ClientMessage msg) {
    checkOpen();
    writer.enqueue(new ChannelWriter.Outgoing(encodeWithin(what, msg.toTerm()), null));
  }

  /** {@code msg} encoded, or the refusal if the server advertised a limit it breaks. */
  private byte[] encodeWithin(String what, Term msg) {
    byte[] body = Codec.encode(msg);
    RpcException refused = limits.check(what, msg, body.length);
    if (refused != null) {
      throw refused;
    }
    return body;
  }

  private void checkOpen() {
    RpcException c = closed;
    if (c != null) {
      throw new RpcException(c.status(), "channel to " + peer + " is closed", c.reason(), c);
    }
  }

  private PendingCall start(
      String what, LongFunction<ClientMessage> msg, CallOptions o, boolean async, Consumer<Term> onReply) {
    checkOpen();
    long rem = o.remainingNanos();
    if (rem <= 0) {
      throw new RpcException(Status.DEADLINE_EXCEEDED, what + ": deadline passed before sending", null);
    }
    long id = table.nextId();
    byte[] body = encodeWithin(what, msg.apply(id).toTerm());
    PendingCall p = new PendingCall(id, what, async, onReply, this::abandon);
    // Every call is tracked by id, also on v1 (where answers are matched in order), so that a
    // close can fail all of them wherever they are.
    table.add(p);
    ChannelWriter.Outgoing out = new ChannelWriter.Outgoing(body, p);
    if (async || !writer.tryWriteNow(out)) {
      writer.enqueue(out);
    }
    RpcException c = closed;
    if (c != null) {
      // Closed while we enqueued: the close may have drained the outbox before our add.
      fail(p, new RpcException(c.status(), what + ": channel to " + peer + " closed", c.reason(), c));
      return p;
    }
    if (async && o.hasDeadline()) {
      p.timer = rt.timer.schedule(() -> timeOut(p), o.deadline().get(), grace());
    }
    return p;
  }

  private long grace() {
    return version == Protocol.V2 ? rt.serverDeadlineGraceNanos : 0;
  }

  /**
   * Waits for {@code p} on the caller's thread. A failure is rethrown as a new exception made
   * here, so its stack is the caller's; the one made on the I/O or timer thread is its cause.
   */
  private Term await(PendingCall p, CallOptions o) {
    long rem = o.remainingNanos();
    try {
      return rem == Long.MAX_VALUE ? p.future.get() : p.future.get(rem + grace(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RpcException) {
        throw Replies.onCallerThread((RpcException) c);
      }
      throw new RpcException(Status.INTERNAL, p.what + ": " + c, null, c);
    } catch (TimeoutException e) {
      timeOut(p);
      return await(p, CallOptions.DEFAULT); // completed now, one way or the other
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      RpcException ex = new RpcException(Status.CANCELLED, p.what + ": interrupted", Reason.CANCELLED.atom());
      if (fail(p, ex)) {
        abandon(p);
      }
      throw ex;
    } catch (CancellationException e) {
      throw new RpcException(Status.CANCELLED, p.what + ": cancelled", Reason.CANCELLED.atom(), e);
    }
  }

  private void timeOut(PendingCall p) {
    if (fail(p, new RpcException(Status.DEADLINE_EXCEEDED, p.what + ": deadline exceeded (client side)", null))) {
      abandon(p);
    }
  }

  /**
   * Gives up on a call whose caller no longer waits: unsent, it is never sent; sent to a v2
   * server, {@code {cancel, Id}} follows and the server's eventual reply is discarded.
   */
  private void abandon(PendingCall p) {
    if (p.state.compareAndSet(PendingCall.NEW, PendingCall.ABANDONED)) {
      table.remove(p);
    } else if (version == Protocol.V2 && closed == null) {
      writer.enqueue(new ChannelWriter.Outgoing(Codec.encode(new ClientMessage.Cancel(p.id).toTerm()), null));
    }
  }

  /** Gives back an in-flight permit: a reply (or refusal) for a written call arrived. */
  void releasePermit() {
    writer.releasePermit();
  }

  /** Completes {@code p} with a value, on the callback executor for async calls. */
  void deliver(PendingCall p, Term value) {
    if (!p.finish()) {
      return;
    }
    if (p.onReply != null) {
      p.onReply.accept(value);
    }
    complete(p, () -> p.future.completeValue(value));
  }

  /** Fails {@code p}; false if it had already finished. */
  boolean fail(PendingCall p, RpcException e) {
    if (!p.finish()) {
      return false;
    }
    complete(p, () -> p.future.completeExceptionally(e));
    return true;
  }

  private void complete(PendingCall p, Runnable r) {
    p.cancelTimer();
    if (!p.async) {
      r.run();
      return;
    }
    try {
      rt.callbackExecutor.execute(r);
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  // ---------------------------------------------------------------- closing

  @Override
  public boolean isOpen() {
    return closed == null;
  }

  @Override
  public void close() {
    closeWith(Replies.unavailable("channel to " + peer + " closed by the client", null));
  }

  /** Fails everything in flight with {@code cause}, stops the writer and closes the transport. */
  void closeWith(RpcException cause) {
    synchronized (this) {
      if (closed != null) {
        return;
      }
      closed = cause;
    }
    List<PendingCall> unsent = writer.stop();
    hello.completeExceptionally(cause);
    for (PendingCall p : table.drain()) {
      fail(p, fromClose(p, cause));
    }
    for (PendingCall p : unsent) {
      fail(p, fromClose(p, cause));
    }
    processes.closeAll(Replies.NOCONNECTION);
    ClientTransport t = transport;
    if (t != null) {
      t.close();
    }
  }

  private static RpcException fromClose(PendingCall p, RpcException cause) {
    return new RpcException(cause.status(), p.what + ": " + cause.getMessage(), cause.reason(), cause);
  }

  @Override
  public String toString() {
    return "RpcChannel[" + peer + ", v" + version + (closed == null ? "" : ", closed") + "]";
  }
}
