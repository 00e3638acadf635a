package org.sshrpc.server;

import java.util.ArrayDeque;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.ServerMessage;

/**
 * The v1 order of one channel: requests (and answers already known, such as errors) run one after
 * another and are answered in request order, as the seed's server does. The next request starts
 * when the previous one answered, or, while the client's queued replies are at {@code
 * maxOutboundBytes}, when a write completes ({@link #resume()}).
 *
 * <p>The queue and the running flag are guarded by {@link #v1Lock}; the jobs themselves run
 * outside it, on whichever thread ended the previous one (the input thread, a worker, the deadline
 * timer or a write completion), never two at once.
 */
final class V1Sequencer {
  private final RpcSession session;
  private final Object v1Lock = new Object();
  private final ArrayDeque<Job> queue = new ArrayDeque<>();
  private boolean running;

  /** One v1 request, or a v1 answer already known (errors), kept in request order. */
  record Job(ClientMessage.Mfa mfa, ServerMessage.Answer answer, long receivedNanos, long memory) {
    static Job call(ClientMessage.Mfa m, long memory) {
      return new Job(m, null, System.nanoTime(), memory);
    }

    static Job answer(ServerMessage.Answer a, long memory) {
      return new Job(null, a, 0, memory);
    }

    /** An error answer, {@code {answer, {Error, -1}}}, holding no memory. */
    static Job error(org.sshrpc.term.Term error) {
      return answer(ServerMessage.Answer.error(error), 0);
    }
  }

  V1Sequencer(RpcSession session) {
    this.session = session;
  }

  /** Queues a job; runs it now when nothing runs. */
  void enqueue(Job job) {
    boolean start;
    synchronized (v1Lock) {
      queue.add(job);
      start = !running;
      running = true;
    }
    if (start) {
      next();
    }
  }

  /** Restarts jobs paused because the reply queue was full (see {@link #next()}). */
  void resume() {
    boolean start;
    synchronized (v1Lock) {
      start = !running && !queue.isEmpty();
      if (start) {
        running = true;
      }
    }
    if (start) {
      next();
    }
  }

  /** Jobs waiting (not counting one running). */
  int queued() {
    synchronized (v1Lock) {
      return queue.size();
    }
  }

  /** True while a job runs or waits. */
  boolean busy() {
    synchronized (v1Lock) {
      return running || !queue.isEmpty();
    }
  }

  /**
   * Runs jobs in order until one must wait for a worker, the queue is empty, or the replies
   * queued for the client reach {@code maxOutboundBytes} (then the next write completion resumes
   * it): a client that does not read cannot make the queued v1 requests pile up replies.
   */
  private void next() {
    long maxOut = session.service.maxOutboundBytes();
    while (true) {
      Job job;
      boolean full = session.out.outboundBytes() >= maxOut;
      synchronized (v1Lock) {
        job = full ? null : queue.poll();
        if (job == null) {
          running = false;
        }
      }
      if (job == null) {
        if (full && session.out.outboundBytes() < maxOut) {
          resume(); // a write completed between the check and the pause: its resume saw us running
        }
        break;
      }
      if (job.answer != null) {
        session.out.send(job.answer.toTerm());
        session.account.release(job.memory);
        continue;
      }
      ClientMessage.Mfa m = job.mfa;
      Call call = new Call(session, -1, ClientMessage.Call.INFINITY);
      call.memory = job.memory;
      call.audited("call", m.module(), m.function(), m.args().size(), job.receivedNanos);
      call.onDone = o -> {
        session.out.sendV1(o);
        next();
        session.resumeInput();
      };
      Outcome now = call.start(m.module(), m.function(), m.args());
      if (now == null) {
        return; // running on a worker: next() continues from its completion
      }
      // Refused before running (denied, undef, overloaded) or run inline: answer here, without
      // recursion.
      call.finishedInline(now);
      session.out.sendV1(now);
    }
    session.resumeInput();
  }
}
