package org.sshrpc.server;

import org.sshrpc.wire.ServerTerms;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.Term;

/**
 * A running {@link RpcProcess}: a bounded mailbox drained one message at a time on the worker
 * pool, never by two threads at once.
 */
final class LocalProcess extends Mailbox implements ProcessContext {
  private static final Logger LOG = LoggerFactory.getLogger(LocalProcess.class);

  /** Messages a process may have waiting; one more kills it, as memory must stay bounded. */
  static final int MAX_MAILBOX = 10_000;

  /** Messages handled per turn on a worker before yielding it to other work. */
  private static final int BATCH = 64;

  static final ErlAtom NORMAL = ServerTerms.NORMAL;
  static final ErlAtom MAILBOX_OVERFLOW = ServerTerms.MAILBOX_OVERFLOW;

  private final RpcService service;
  private final RpcProcess impl;
  private final ArrayDeque<Term> queue = new ArrayDeque<>(); // guarded by this
  private boolean scheduled; // guarded by this
  private Term stopReason; // guarded by this; set by exit() or kill()
  private boolean terminatedCalled; // guarded by this

  LocalProcess(RpcService service, SessionProcesses owner, RpcProcess impl) {
    super(service.processes, owner, owner.account(), true);
    this.service = service;
    this.impl = impl;
  }

  @Override
  boolean acceptsFrom(String sender, org.sshrpc.acl.AccessPolicy policy) {
    try {
      return impl.acceptsFrom(sender);
    } catch (RuntimeException e) {
      LOG.debug("process {} acceptsFrom threw; refusing", pid, e);
      return false; // the process could not say yes
    }
  }

  @Override
  void deliver(Term message) {
    boolean overflow = false;
    synchronized (this) {
      if (stopReason != null) {
        return; // dead: like Erlang, a message to a dead process vanishes
      }
      if (queue.size() >= MAX_MAILBOX) {
        overflow = true;
      } else {
        queue.add(message);
        if (scheduled) {
          return;
        }
        scheduled = true;
      }
    }
    if (overflow) {
      LOG.warn("process {} killed: mailbox over {} messages", LogText.term(pid), MAX_MAILBOX);
      kill(MAILBOX_OVERFLOW);
      return;
    }
    schedule();
  }

  private void schedule() {
    try {
      // In the owner's worker lane: one user's busy processes take at most its share of workers.
      service.lanes.submit(ownerUser(), this::runBatch, this::retryLater);
    } catch (RejectedExecutionException e) {
      if (service.executor.isShutdown()) {
        kill(ServerTerms.SHUTDOWN);
      } else {
        // Workers saturated: try again shortly rather than drop the mailbox's turn.
        service.scheduler.schedule(this::schedule, 5, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** The pool refused a turn that was waiting in the lane: try again shortly, or stop on shutdown. */
  private void retryLater() {
    if (service.executor.isShutdown()) {
      kill(ServerTerms.SHUTDOWN);
    } else {
      service.scheduler.schedule(this::schedule, 5, TimeUnit.MILLISECONDS);
    }
  }

  private void runBatch() {
    for (int i = 0; i < BATCH; i++) {
      Term msg;
      synchronized (this) {
        if (stopReason != null) {
          scheduled = false;
          break;
        }
        msg = queue.poll();
        if (msg == null) {
          scheduled = false;
          return;
        }
      }
      try {
        impl.receive(this, msg);
      } catch (ErlangException e) {
        kill(e.reason());
      } catch (Exception | StackOverflowError | LinkageError | AssertionError e) {
        LOG.debug("process {} crashed", pid, e);
        kill(RpcService.javaException(e.getClass().getName(), e.getMessage()));
      }
    }
    boolean again;
    synchronized (this) {
      again = stopReason == null && !queue.isEmpty();
      if (!again) {
        scheduled = false;
      }
    }
    if (again) {
      schedule();
    }
    finishIfStopped();
  }

  /** Stops the process with {@code reason} now; the running message, if any, completes first. */
  void kill(Term reason) {
    synchronized (this) {
      if (stopReason != null) {
        return;
      }
      stopReason = reason;
      queue.clear();
    }
    markDead(reason);
    owner.processEnded(this);
    finishIfStopped();
  }

  private void finishIfStopped() {
    Term reason;
    synchronized (this) {
      if (stopReason == null || terminatedCalled) {
        return;
      }
      terminatedCalled = true;
      reason = stopReason;
    }
    try {
      impl.terminated(reason);
    } catch (RuntimeException e) {
      LOG.debug("process {} terminated() threw", pid, e);
    }
  }

  // ProcessContext

  @Override
  public ErlPid self() {
    return pid;
  }

  @Override
  public String user() {
    return ownerUser();
  }

  @Override
  public void send(Term destination, Term message) {
    // As its owner's client would: the same policy rules, with the owner's user and key.
    owner.send(destination, message);
  }

  @Override
  public void exit(Term reason) {
    kill(reason);
  }
}
