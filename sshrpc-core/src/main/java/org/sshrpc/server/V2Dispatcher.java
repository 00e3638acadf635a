package org.sshrpc.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.Reason;
import org.sshrpc.wire.ServerMessage;

/**
 * The v2 side of one channel: calls run concurrently up to the in-flight limit and are answered
 * as each completes; casts run without a reply; cancels finish their call; process operations go
 * to {@link SessionProcesses}. Dispatch runs on the thread that processes the channel's input
 * (under the input gate's lock); the call table is a concurrent map because calls leave it from
 * workers, the deadline timer and the closing thread.
 *
 * <p>The argument passed along with each message is the request's echo: the term itself when
 * small, else its bounded summary (see {@link RequestReader#echo}).
 */
final class V2Dispatcher implements ClientMessageVisitor<Term> {
  private static final Logger LOG = LoggerFactory.getLogger(V2Dispatcher.class);

  private final RpcSession session;
  private final Map<Long, Call> calls = new ConcurrentHashMap<>();
  private final AtomicInteger castsInFlight = new AtomicInteger();

  V2Dispatcher(RpcSession session) {
    this.session = session;
  }

  /** Handles one v2 request; {@code echo} is what an error reply may say about it. */
  void dispatch(ClientMessage msg, Term echo) {
    ClientMessageVisitor.dispatch(msg, this, echo);
  }

  private boolean full() {
    return calls.size() + castsInFlight.get() >= session.service.maxInFlight();
  }

  @Override
  public void mfa(ClientMessage.Mfa m, Term echo) {
    // An mfa on a v2 channel is answered as v1 answers it: in order, through the v1 queue.
    session.v1.enqueue(V1Sequencer.Job.call(m, session.reader.takeRequestCharge()));
  }

  @Override
  public void call(ClientMessage.Call c, Term echo) {
    if (calls.containsKey(c.id())) {
      AuditLog.badRequest(session.user, session.keyFingerprint, session.remoteAddress, "badrequest: duplicate call id " + c.id());
      session.out.send(ServerMessage.Reply.error(c.id(), ErlTuple.of(Reason.BADREQUEST.atom(), echo)).toTerm());
      return;
    }
    long received = System.nanoTime();
    if (full()) {
      Outcome o = Outcome.OVERLOADED;
      AuditLog.call("call", session.user, session.keyFingerprint, session.remoteAddress, c.module().name(), c.function().name(), c.args().size(), o, received);
      session.service.metrics().callRefused(c.module().name(), c.function().name(), c.args().size(), o, 0);
      session.out.send(o.v2Reply(c.id()).toTerm());
      return;
    }
    Call call = new Call(session, c.id(), c.timeoutMillis());
    call.memory = session.reader.takeRequestCharge();
    call.audited("call", c.module(), c.function(), c.args().size(), received);
    call.onDone = o -> session.out.sendV2(c.id(), o);
    calls.put(c.id(), call);
    Outcome now = call.start(c.module(), c.function(), c.args());
    if (now != null) {
      call.finish(now, false);
    }
  }

  @Override
  public void cast(ClientMessage.Cast c, Term echo) {
    long received = System.nanoTime();
    if (full()) {
      session.castFailures.incrementAndGet();
      AuditLog.call("cast", session.user, session.keyFingerprint, session.remoteAddress, c.module().name(), c.function().name(), c.args().size(),
          Outcome.OVERLOADED, received);
      session.service.metrics().callRefused(c.module().name(), c.function().name(), c.args().size(), Outcome.OVERLOADED, 0);
      LOG.debug("cast {}:{}/{} dropped: overloaded", LogText.term(c.module()), LogText.term(c.function()), c.args().size());
      return;
    }
    castsInFlight.incrementAndGet();
    Call call = new Call(session, -1, ClientMessage.Call.INFINITY);
    call.memory = session.reader.takeRequestCharge();
    call.audited("cast", c.module(), c.function(), c.args().size(), received);
    call.onDone = o -> {
      castsInFlight.decrementAndGet();
      if (!o.ok()) {
        // The audit line records the failure; its reason (which may carry argument values) only
        // at DEBUG, and bounded.
        session.castFailures.incrementAndGet();
        if (LOG.isDebugEnabled()) {
          LOG.debug("cast {}:{}/{} failed: {}", LogText.term(c.module()), LogText.term(c.function()), c.args().size(), LogText.term(o.value()));
        }
      }
      session.resumeInput();
    };
    Outcome now = call.start(c.module(), c.function(), c.args());
    if (now != null) {
      call.finish(now, false);
    }
  }

  @Override
  public void cancel(ClientMessage.Cancel c, Term echo) {
    Call call = calls.get(c.id());
    if (call != null) {
      call.finish(Outcome.refused(Reason.CANCELLED), true);
    }
  }

  @Override
  public void hello(Hello h, Term echo) {
    // A second hello: the channel is v2 already.
    session.reader.channelError(Reason.BADREQUEST, echo);
  }

  @Override
  public void spawn(ClientMessage.Spawn s, Term echo) {
    session.procs.spawn(s);
  }

  @Override
  public void send(ClientMessage.Send s, Term echo) {
    session.procs.send(s.destination(), s.message());
  }

  @Override
  public void register(ClientMessage.Register r, Term echo) {
    session.procs.register(r);
  }

  @Override
  public void whereis(ClientMessage.Whereis w, Term echo) {
    session.procs.whereis(w);
  }

  @Override
  public void monitor(ClientMessage.Monitor m, Term echo) {
    session.procs.monitor(m);
  }

  @Override
  public void mailbox(ClientMessage.Mailbox m, Term echo) {
    session.procs.mailbox(m);
  }

  @Override
  public void exit(ClientMessage.Exit x, Term echo) {
    session.procs.exit(x);
  }

  /** A call left the table (it finished). */
  void removed(Call call) {
    calls.remove(call.id, call);
  }

  /** Calls and casts running or waiting for a worker. */
  boolean idle() {
    return calls.isEmpty() && castsInFlight.get() == 0;
  }

  int callsInFlight() {
    return calls.size();
  }

  /** The channel is gone: every call in flight ends, unanswered, with {@code noconnection}. */
  void close() {
    for (Call call : calls.values()) {
      call.finish(Outcome.refused(Reason.NOCONNECTION), true);
    }
  }
}
