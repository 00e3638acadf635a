package org.sshrpc.client;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.sshrpc.RpcException;
import org.sshrpc.wire.FrameEncoder;
import org.sshrpc.wire.GrowableBuffer;

/**
 * The single writer of one channel: a queue of encoded messages, a thread ({@code
 * sshrpc-writer-N}) that frames everything queued into one buffer and writes it with one flush,
 * and the server's in-flight limit (a semaphore taken before a call is written and given back by
 * the reader when its reply arrives). Calls beyond the limit are held back in order; messages
 * without a reply (cancel, cast, send) never are, so a cancel gets through a full window.
 *
 * <p>{@link #writeLock} guards the transport's output, {@link #held}, the frame counter and the
 * buffer. It is taken by the writer thread, and by a blocking caller writing its own request
 * ({@link #tryWriteNow}).
 */
final class ChannelWriter {
  /** Frames written before one flush, at most: bounds a batch's memory. */
  static final int MAX_BATCH = 1024;
  /** A body at least this large is written from its own array, not copied into the batch buffer. */
  static final int DIRECT_WRITE = 64 * 1024;
  /** The batch buffer is dropped after a batch that grew it beyond this, not kept for the next. */
  private static final int KEEP_BUFFER = 1 << 20;

  private static final AtomicInteger WRITERS = new AtomicInteger();
  private static final Outgoing POISON = new Outgoing(new byte[0], null);
  private static final Outgoing WAKE = new Outgoing(new byte[0], null);

  /** One encoded message; {@code pending} is null for messages without a reply. */
  record Outgoing(byte[] body, PendingCall pending) {}

  private final String peer;
  private final CallTable table;
  private final Consumer<RpcException> onFailure;
  private final LinkedBlockingQueue<Outgoing> outbox = new LinkedBlockingQueue<>();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ArrayDeque<Outgoing> held = new ArrayDeque<>(); // guarded by writeLock
  private GrowableBuffer buf = new GrowableBuffer(8 * 1024); // guarded by writeLock
  /** Frames written on this channel so far, the hello being 1, as the server counts them. */
  private long framesSent; // guarded by writeLock
  private volatile Semaphore permits = new Semaphore(1);
  private volatile boolean v1;
  private volatile boolean frameErrors;
  private volatile boolean writerWaiting;
  private volatile boolean stopped;
  private volatile ClientTransport out;
  private Thread thread;

  /**
   * @param onFailure told when a write fails (the channel then closes)
   */
  ChannelWriter(String peer, CallTable table, Consumer<RpcException> onFailure) {
    this.peer = peer;
    this.table = table;
    this.onFailure = onFailure;
  }

  /** Starts the writer thread on {@code transport}. */
  void start(ClientTransport transport) {
    this.out = transport;
    thread = new Thread(this::writeLoop, "sshrpc-writer-" + WRITERS.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * What negotiation agreed: the in-flight limit, whether answers come in order (v1), and whether
   * the server names frames in its channel errors.
   */
  void negotiated(int maxInFlight, boolean v1, boolean frameErrors) {
    this.permits = new Semaphore(maxInFlight);
    this.v1 = v1;
    this.frameErrors = frameErrors;
  }

  /** Queues a message for the writer thread. */
  void enqueue(Outgoing o) {
    outbox.add(o);
  }

  /**
   * A blocking caller writes its own request when nothing is queued and the stream is free: this
   * saves two thread hand-offs per sequential call. Under contention requests queue for the
   * writer thread instead, which coalesces them. False if the caller must queue it.
   */
  boolean tryWriteNow(Outgoing o) {
    if (!outbox.isEmpty() || !writeLock.tryLock()) {
      return false;
    }
    try {
      if (stopped || !outbox.isEmpty() || !held.isEmpty() || !permits.tryAcquire()) {
        return false;
      }
      if (claim(o.pending)) {
        writeFrame(o);
        flushBuffer();
      }
      return true;
    } catch (IOException | RuntimeException e) {
      onFailure.accept(Replies.unavailable("write to " + peer + " failed: " + e.getMessage(), e));
      return true; // the close failed the call
    } finally {
      writeLock.unlock();
    }
  }

  /** Gives back an in-flight permit (a reply arrived) and wakes the writer if it waits for one. */
  void releasePermit() {
    permits.release();
    if (writerWaiting) {
      outbox.offer(WAKE);
    }
  }

  /** Stops the writer thread; returns the calls still queued (never written). */
  List<PendingCall> stop() {
    stopped = true;
    outbox.add(POISON);
    Thread t = thread;
    if (t != null && Thread.currentThread() != t) {
      t.interrupt();
    }
    List<Outgoing> left = new ArrayList<>();
    outbox.drainTo(left);
    List<PendingCall> calls = new ArrayList<>();
    for (Outgoing o : left) {
      if (o.pending != null) {
        calls.add(o.pending);
      }
    }
    return calls;
  }

  private void writeLoop() {
    List<Outgoing> batch = new ArrayList<>();
    try {
      while (true) {
        batch.add(outbox.take());
        outbox.drainTo(batch, MAX_BATCH - 1);
        writeLock.lock();
        try {
          int written = 0;
          for (Outgoing o : batch) {
            if (o == POISON) {
              return;
            }
            if (o == WAKE) {
              continue;
            }
            if (o.pending == null) {
              writeFrame(o);
              written++;
            } else {
              held.add(o);
            }
          }
          written += writeHeld();
          if (written > 0) {
            flushBuffer();
          }
        } finally {
          writeLock.unlock();
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      // closing
    } catch (IOException | RuntimeException e) {
      if (!stopped) {
        onFailure.accept(Replies.unavailable("write to " + peer + " failed: " + e.getMessage(), e));
      }
    }
  }

  /** Writes held calls while permits last; caller holds writeLock. Returns frames written. */
  private int writeHeld() throws IOException {
    int written = 0;
    while (!held.isEmpty()) {
      Outgoing o = held.peekFirst();
      if (o.pending.state.get() != PendingCall.NEW) {
        held.pollFirst(); // abandoned while waiting: never sent
        continue;
      }
      if (!permits.tryAcquire()) {
        // Ask the reader to wake us when it frees a permit; re-check in case it just did.
        writerWaiting = true;
        if (!permits.tryAcquire()) {
          return written;
        }
      }
      writerWaiting = false;
      held.pollFirst();
      if (claim(o.pending)) {
        writeFrame(o);
        written++;
      }
    }
    writerWaiting = false;
    return written;
  }

  /** Marks {@code p} sent, holding a permit; false (permit returned) if it was abandoned. */
  private boolean claim(PendingCall p) {
    if (!p.state.compareAndSet(PendingCall.NEW, PendingCall.SENT)) {
      permits.release();
      return false;
    }
    if (v1) {
      table.sentV1(p); // before the write, so the answer always finds it
    }
    return true;
  }

  /** Frames one message into the batch; caller holds writeLock. */
  private void writeFrame(Outgoing o) throws IOException {
    long seq = ++framesSent;
    if (o.pending != null && frameErrors) {
      table.sentInFrame(o.pending, seq); // before the write, so an error about it finds it
    }
    byte[] body = o.body;
    if (body.length < DIRECT_WRITE) {
      FrameEncoder.appendFrame(body, buf);
      return;
    }
    FrameEncoder.appendHeader(body.length, buf);
    writeBuffer();
    out.write(body, 0, body.length);
  }

  /** Writes the batch buffer and flushes; caller holds writeLock. */
  private void flushBuffer() throws IOException {
    writeBuffer();
    out.flush();
  }

  private void writeBuffer() throws IOException {
    if (buf.isEmpty()) {
      return;
    }
    try {
      out.write(buf.array(), 0, buf.size());
    } finally {
      if (buf.array().length > KEEP_BUFFER) {
        buf = new GrowableBuffer(8 * 1024);
      } else {
        buf.clear();
      }
    }
  }
}
