package org.sshrpc.server;

import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.Deadline;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlList;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Reason;

/**
 * One call's life on the server: policy and lookup, the run (inline or on a worker through the
 * caller's lane), its deadline, its metrics and its audit line; finished <b>exactly once</b>
 * ({@link #done}, a CAS) by the function returning or throwing, its deadline, a cancel or the
 * channel closing. Whoever wins releases the request's memory and sends the reply through {@link
 * #onDone}; the others do nothing, so a function that finishes after its deadline never sends a
 * late reply.
 *
 * <p>Thread-safe: started on the thread that processes the channel's input, finished on a worker,
 * the deadline timer, the input thread (cancel) or the closing thread.
 */
final class Call implements CallContext {
  private static final Logger LOG = LoggerFactory.getLogger(Call.class);

  private final RpcSession session;
  /** The v2 call id, or -1 for a v1 call or a cast (not in the channel's call table). */
  final long id;
  /** When the call must have answered, on the service's ticker; null for none. */
  final Deadline deadline;
  /** {@link #deadline} on the wall clock, for {@link CallContext#deadline()}. */
  private final Instant deadlineInstant;
  final AtomicBoolean done = new AtomicBoolean();
  /** Sends the outcome (a reply, or nothing for a cast); set before the call starts. */
  volatile Consumer<Outcome> onDone;
  private volatile Future<?> future;
  private volatile boolean interruptRequested;
  private volatile Scheduler.Cancellable timer;
  /** Budget held for the decoded request until the call finishes. */
  volatile long memory;
  // What the audit line names; null kind for calls that are not audited.
  private String kind;
  private ErlAtom module;
  private ErlAtom function;
  private int arity;
  private long receivedNanos;

  // Metrics of a call that started running (null module: not metered). Set before the worker
  // can finish the call, read once by whoever finishes it.
  private volatile ErlAtom meterModule;
  private volatile ErlAtom meterFunction;
  private volatile int meterArity;
  private volatile long meterStart;

  /**
   * A call of {@code session} with the client's timeout ({@link ClientMessage.Call#INFINITY}: the
   * service's default call timeout, if any).
   */
  Call(RpcSession session, long id, long timeoutMillis) {
    this.session = session;
    this.id = id;
    Duration timeout =
        timeoutMillis != ClientMessage.Call.INFINITY
            ? Duration.ofMillis(timeoutMillis)
            : session.service.defaultCallTimeout();
    this.deadline = timeout == null ? null : Deadline.after(timeout, session.service.ticker);
    this.deadlineInstant = timeout == null ? null : Instant.now().plus(timeout);
  }

  /** Names the call for its audit line ({@code kind} {@code call} or {@code cast}). */
  void audited(String kind, ErlAtom module, ErlAtom function, int arity, long receivedNanos) {
    this.kind = kind;
    this.module = module;
    this.function = function;
    this.arity = arity;
    this.receivedNanos = receivedNanos;
  }

  void audit(Outcome o) {
    if (kind != null) {
      AuditLog.call(kind, session.user, session.keyFingerprint, session.remoteAddress, module.name(), function.name(), arity, o, receivedNanos);
    }
  }

  /**
   * Checks policy and lookup on this thread, then runs the function: here when it is a tiny
   * built-in, else on a worker under its deadline. Returns null when the call was started (its
   * {@link #onDone} will run), or the outcome when it was refused before running or ran inline.
   */
  Outcome start(ErlAtom m, ErlAtom f, ErlList args) {
    RpcService service = session.service;
    Outcome[] refusal = new Outcome[1];
    RpcModule.Entry e = service.resolve(this, m, f, args, refusal);
    if (e == null || e.function() == null) {
      Outcome r = refusal[0] != null ? refusal[0] : Outcome.raised(RpcService.undef(m, f, args));
      service.metrics().callRefused(m.name(), f.name(), args.size(), r, 0);
      return r;
    }
    RpcFunction fn = e.function();
    if (e.runsInline(args.elements())) {
      long t0 = System.nanoTime();
      Outcome r = RpcService.run(fn, this, args);
      service.metrics().callRefused(m.name(), f.name(), args.size(), r, System.nanoTime() - t0);
      return r;
    }
    metered(m, f, args.size());
    try {
      future =
          service.lanes.submit(
              session.user,
              () -> finish(RpcService.run(fn, this, args), false),
              () -> finish(Outcome.OVERLOADED, false));
    } catch (RejectedExecutionException ex) {
      unmetered(Outcome.OVERLOADED);
      return Outcome.OVERLOADED;
    }
    if (done.get() && interruptRequested) {
      future.cancel(true); // cancelled or timed out before the future was known
    }
    if (deadline != null && !done.get()) {
      try {
        timer =
            service.timers.schedule(
                () -> finish(Outcome.refused(Reason.TIMEOUT), true), Math.max(0, deadline.remainingNanos()));
      } catch (RejectedExecutionException ex) {
        // the service is closing; the worker pool is being stopped too
      }
      Scheduler.Cancellable t = timer;
      if (done.get() && t != null) {
        t.cancel();
      }
    }
    return null;
  }

  /**
   * A call refused or run inline by {@link #start}, answered by the thread that started it: no
   * metrics to finish (start counted it), no timer, no worker.
   */
  void finishedInline(Outcome o) {
    done.set(true);
    session.account.release(memory);
    audit(o);
  }

  /** Finishes the call; later results (e.g. a function finishing after its deadline) are dropped. */
  void finish(Outcome o, boolean interrupt) {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    session.account.release(memory);
    meterFinished(o);
    if (id >= 0) {
      session.v2.removed(this);
    }
    Scheduler.Cancellable t = timer;
    if (t != null) {
      t.cancel();
    }
    interruptRequested = interrupt;
    Future<?> f = future;
    if (interrupt && f != null) {
      f.cancel(true);
    }
    Outcome sent = o;
    if (!session.isClosed()) {
      try {
        onDone.accept(o);
      } catch (RuntimeException | OutOfMemoryError e) {
        // The result could not be encoded (too large for one frame, or no heap for it): the
        // caller still gets exactly one answer, an error, instead of a silent hang.
        LOG.warn("reply of {} for {} could not be sent: {}", kind == null ? "a call" : LogText.field(module.name() + ":" + function.name() + "/" + arity), LogText.field(session.user), LogText.field(e.toString()));
        sent = Outcome.raised(RpcService.javaException(e.getClass().getName(), "reply could not be encoded: " + e.getMessage()));
        try {
          onDone.accept(sent);
        } catch (RuntimeException | OutOfMemoryError again) {
          session.closeNow(CloseCause.REPLY_FAILED, "reply could not be sent: " + again);
        }
      }
    }
    audit(sent);
    if (id >= 0) {
      session.resumeInput();
    }
  }

  private void metered(ErlAtom m, ErlAtom f, int arity) {
    meterFunction = f;
    meterArity = arity;
    meterStart = System.nanoTime();
    meterModule = m;
    session.service.metrics().callStarted();
  }

  /** The call could not be submitted after all: counted as refused, no longer in flight. */
  private void unmetered(Outcome o) {
    ErlAtom m = meterModule;
    meterModule = null;
    if (m != null) {
      session.service.metrics().callFinished(m.name(), meterFunction.name(), meterArity, o, 0);
    }
  }

  private void meterFinished(Outcome o) {
    ErlAtom m = meterModule;
    if (m != null) {
      meterModule = null;
      session.service.metrics().callFinished(
          m.name(), meterFunction.name(), meterArity, o, System.nanoTime() - meterStart);
    }
  }

  @Override
  public String user() {
    return session.user;
  }

  @Override
  public String keyFingerprint() {
    return session.keyFingerprint;
  }

  @Override
  public SocketAddress remoteAddress() {
    return session.remoteAddress;
  }

  @Override
  public Optional<Instant> deadline() {
    return Optional.ofNullable(deadlineInstant);
  }

  @Override
  public boolean isCancelled() {
    return done.get() || session.isClosed();
  }
}
