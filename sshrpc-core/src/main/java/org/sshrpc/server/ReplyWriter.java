package org.sshrpc.server;

import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.wire.FrameEncoder;
import org.sshrpc.wire.GrowableBuffer;
import org.sshrpc.wire.Reason;
import org.sshrpc.wire.ServerTerms;

/**
 * The output side of one channel: the coalescing writer. Reply frames are encoded straight into
 * one buffer under {@link #outLock}; at most one write is outstanding, and replies that become
 * ready while it is in flight leave together in the next one. While input is being processed
 * ({@link #holdWrites()}) no write starts, so the replies to one SSH data message leave in one.
 *
 * <p>Any thread may send (I/O thread, worker, deadline timer, write completion). Nothing that
 * holds {@code outLock} calls back into the session: a flush that finds the channel should close
 * decides under the lock and closes after releasing it (see {@code CONCURRENCY.md}).
 */
final class ReplyWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ReplyWriter.class);

  /** First size of the reply buffer; it grows to the largest batch of replies. */
  private static final int OUT_INITIAL = 512;

  /** Largest reply buffer kept for reuse after a write: larger ones are left to the GC. */
  private static final int OUT_KEEP = 16 * 1024;

  private final RpcSession session;
  private final SessionTransport transport;
  private final MemoryBudget.Account account;
  private final TermEncoder encoder = TermEncoder.DEFAULT;

  /** The largest frame the peer accepts (its hello's {@code max_frame}); ours until it says. */
  private volatile int peerMaxFrame;

  private final Object outLock = new Object();
  // Reply frames queued for the next write, encoded straight into this buffer (wire's one frame
  // encoder); the write takes its array itself (no copy) and a small one comes back as the spare
  // when the write is done.
  private GrowableBuffer queued = new GrowableBuffer(OUT_INITIAL);
  private byte[] spareOut;
  private long outBytes; // queued plus being written
  private boolean writing;
  // > 0 while a thread processes input: replies wait for its end and leave in one write.
  private int holdWrites;
  private boolean closeWhenFlushed;
  private CloseCause closeCause;
  private String closeReason;
  private volatile boolean closed;

  private volatile long maxOutBytesSeen;

  ReplyWriter(RpcSession session, SessionTransport transport, MemoryBudget.Account account, int maxFrame) {
    this.session = session;
    this.transport = transport;
    this.account = account;
    this.peerMaxFrame = maxFrame;
  }

  /** The peer said (in its hello) it takes frames of at most {@code n} bytes. */
  void peerMaxFrame(int n) {
    peerMaxFrame = n;
  }

  /**
   * Queues one reply frame and starts a write unless one is in progress or input is being
   * processed (then the end of that processing writes it, with the other replies it produced).
   * For small replies whose size the server controls: charged without a check.
   */
  void send(Term t) {
    long size = encoder.encodedSize(t);
    account.force(4 + size);
    enqueue(t, size);
  }

  /**
   * Queues a reply or delivery whose size the client controls (a function's result, a message):
   * its size is checked against the peer's frame limit and charged to the memory budget BEFORE
   * it is encoded. When either refuses, {@code fallback} (given the size; null to drop) supplies
   * the small error sent instead. Returns false when the term was not sent.
   */
  boolean sendBounded(Term t, LongFunction<Term> fallback) {
    int limit = peerMaxFrame;
    long size = encoder.encodedSizeAtMost(t, limit);
    String refusal = null;
    if (size > limit) {
      refusal = "larger than the frame limit";
    } else if (!account.tryCharge(4 + size)) {
      refusal = String.valueOf(account.lastRefusal());
    } else {
      enqueue(t, size);
      return true;
    }
    if (fallback == null) {
      return false;
    }
    LOG.debug("reply to {} replaced: {} bytes, {}", session.remoteAddress, size > limit ? ">" + limit : size, refusal);
    send(fallback.apply(size));
    return false;
  }

  /** A v1 answer to a call, in the seed's shape. */
  void sendV1(Outcome o) {
    sendBounded(o.v1Answer().toTerm(), size -> Outcome.refused(tooLarge(size)).v1Answer().toTerm());
  }

  /** A v2 reply to call {@code id}. */
  void sendV2(long id, Outcome o) {
    sendBounded(o.v2Reply(id).toTerm(), size -> Outcome.refused(tooLarge(size)).v2Reply(id).toTerm());
  }

  /** {@code {reply_too_large, Size, Limit}}: the reason a too-large or unbudgeted reply is replaced by. */
  private Term tooLarge(long size) {
    long room = peerMaxFrame;
    MemoryBudget.Refusal r = account.lastRefusal();
    if (size <= peerMaxFrame && r != null) {
      room = Math.max(0, r.limit() - r.used());
    }
    return ErlTuple.of(
        Reason.REPLY_TOO_LARGE.atom(),
        size > peerMaxFrame ? ServerTerms.OVER_LIMIT : ErlInteger.of(size),
        ErlInteger.of(room));
  }

  /** Queues an encoded-size-known term (already charged) and starts a write if none is running. */
  private void enqueue(Term t, long lsize) {
    boolean start;
    synchronized (outLock) {
      if (closed) {
        account.release(4 + lsize);
        return;
      }
      // Encoded straight into the queue: no intermediate arrays. A term that cannot be encoded
      // (or a queue that would pass 2 GiB) throws before the queue moves, so it is left as it was.
      try {
        FrameEncoder.append(encoder, t, lsize, queued);
      } catch (RuntimeException e) {
        account.release(4 + lsize);
        throw e;
      }
      int size = (int) lsize;
      outBytes += 4 + size;
      maxOutBytesSeen = Math.max(maxOutBytesSeen, outBytes);
      session.service.peaks.outbound(outBytes);
      start = !writing && holdWrites == 0;
      if (start) {
        writing = true;
      }
    }
    if (start) {
      flush();
    }
  }

  /** Input is being processed: replies queue until the matching {@link #releaseWrites()}. */
  void holdWrites() {
    synchronized (outLock) {
      holdWrites++;
    }
  }

  /** Ends a {@link #holdWrites()}; the last one writes what was queued meanwhile. */
  void releaseWrites() {
    boolean start;
    synchronized (outLock) {
      holdWrites--;
      start = holdWrites == 0 && !writing && (!queued.isEmpty() || closeWhenFlushed) && !closed;
      if (start) {
        writing = true;
      }
    }
    if (start) {
      flush();
    }
  }

  /** Writes everything queued as one buffer: replies ready together leave in one data message. */
  private void flush() {
    byte[] data;
    int n = 0;
    CloseCause closeFlushed = null;
    String why = null;
    synchronized (outLock) {
      if (queued.isEmpty() || closed) {
        writing = false;
        if (closeWhenFlushed && !closed) {
          closeFlushed = closeCause;
          why = closeReason;
        }
        data = null;
      } else {
        n = queued.size();
        data = queued.detach(spareOut);
        spareOut = null;
      }
    }
    if (data == null) {
      // Closed outside outLock: close() takes outLock and then inputLock, and a reader holding
      // inputLock may be waiting for outLock (found by ServerFuzzTest's long run: a deadlock).
      if (closeFlushed != null) {
        session.closeNow(closeFlushed, why);
      }
      return;
    }
    session.writes.incrementAndGet();
    int len = n;
    session.service.metrics().sent(len);
    try {
      transport.write(data, 0, len, failure -> written(data, len, failure));
    } catch (RuntimeException e) {
      written(data, len, e);
    }
  }

  /** A write completed (on the transport's thread, or the writing one). */
  private void written(byte[] data, int n, Throwable failure) {
    account.release(n);
    synchronized (outLock) {
      outBytes -= n;
      if (data.length <= OUT_KEEP && failure == null) {
        spareOut = data; // the transport is done with it (SessionTransport.write)
      }
    }
    if (failure != null) {
      if (!closed) {
        LOG.debug("write to {} failed; closing the channel", LogText.field(session.user), failure);
        session.closeNow(CloseCause.WRITE_FAILED, "write failed: " + failure);
      }
      return;
    }
    flush();
    session.writeCompleted();
  }

  /** True once the session asked to close after the queued replies are written. */
  boolean closing() {
    synchronized (outLock) {
      return closeWhenFlushed;
    }
  }

  /**
   * Closes the channel once what is queued has been written: at once when no write is in
   * progress and no input is being processed, else when that write or processing ends.
   */
  void closeAfterFlush(CloseCause cause, String reason) {
    boolean now;
    synchronized (outLock) {
      closeWhenFlushed = true;
      closeCause = cause;
      closeReason = reason;
      now = !writing && holdWrites == 0; // else the write in progress or releaseWrites closes
    }
    if (now) {
      session.closeNow(cause, reason);
    }
  }

  /** Marks the writer closed and drops what is queued; true the first time only. */
  boolean markClosed() {
    synchronized (outLock) {
      if (closed) {
        return false;
      }
      closed = true;
      queued = new GrowableBuffer(0);
      spareOut = null;
      return true;
    }
  }

  boolean isClosed() {
    return closed;
  }

  /** Reply bytes queued or being written now. */
  long outboundBytes() {
    synchronized (outLock) {
      return outBytes;
    }
  }

  long maxOutboundBytesSeen() {
    return maxOutBytesSeen;
  }
}
