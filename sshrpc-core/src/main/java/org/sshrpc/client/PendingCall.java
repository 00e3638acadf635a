package org.sshrpc.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.sshrpc.term.Term;

/**
 * One request awaiting its reply: its send state ({@link #NEW}, {@link #SENT}, {@link
 * #ABANDONED}) and, separately, whether it has finished (exactly once, by whichever of reply,
 * deadline, cancel or close comes first). See CONCURRENCY.md in this package.
 */
final class PendingCall {
  static final int NEW = 0;
  static final int SENT = 1;
  static final int ABANDONED = 2;

  final long id;
  final String what;
  final boolean async;
  final Consumer<Term> onReply;
  final AtomicInteger state = new AtomicInteger(NEW);
  private final AtomicBoolean finished = new AtomicBoolean();
  final CallFuture future;
  /** The client-side deadline timer of an async call, if any. */
  volatile Future<?> timer;
  /** The frame that carried it, when the server names frames in errors; else 0. */
  volatile long frame;

  /**
   * @param onCancel run when the caller cancels the future (after it finished it): gives the call
   *     up on the channel
   */
  PendingCall(long id, String what, boolean async, Consumer<Term> onReply, Consumer<PendingCall> onCancel) {
    this.id = id;
    this.what = what;
    this.async = async;
    this.onReply = onReply;
    this.future = new CallFuture(this, onCancel);
  }

  /** True for the one caller that finishes this call. */
  boolean finish() {
    return finished.compareAndSet(false, true);
  }

  boolean isFinished() {
    return finished.get();
  }

  void cancelTimer() {
    Future<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  @Override
  public String toString() {
    return "PendingCall[" + id + " " + what + ", state " + state.get() + (isFinished() ? ", finished" : "") + "]";
  }

  /** The future of a call; cancelling it cancels the call on the server. */
  static final class CallFuture extends CompletableFuture<Term> {
    private final PendingCall p;
    private final Consumer<PendingCall> onCancel;

    CallFuture(PendingCall p, Consumer<PendingCall> onCancel) {
      this.p = p;
      this.onCancel = onCancel;
    }

    void completeValue(Term v) {
      super.complete(v);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (!p.finish()) {
        return false;
      }
      p.cancelTimer();
      boolean c = super.cancel(mayInterruptIfRunning);
      onCancel.accept(p);
      return c;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }
  }
}
