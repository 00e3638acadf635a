package org.sshrpc.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.wire.FrameDecoder;
import org.sshrpc.wire.FrameEncoder;

/**
 * An in-memory byte pipe with the SSH channel's contract: one write at a time, completion
 * reported later (or never, while the "client" is not reading), input window released explicitly.
 */
final class PipeTransport implements SessionTransport {
  final BlockingQueue<Term> received = new LinkedBlockingQueue<>();
  final AtomicLong released = new AtomicLong();
  final AtomicInteger writes = new AtomicInteger();
  final AtomicLong bytesWritten = new AtomicLong();
  volatile String closedReason;
  private final FrameDecoder frames = new FrameDecoder(64 << 20);
  private volatile boolean reading = true;
  private final List<Runnable> stalled = new ArrayList<>();

  @Override
  public void write(byte[] data, int off, int len, WriteCallback done) {
    writes.incrementAndGet();
    synchronized (this) {
      if (!reading) {
        stalled.add(() -> deliver(data, off, len, done));
        return;
      }
    }
    deliver(data, off, len, done);
  }

  private void deliver(byte[] data, int off, int len, WriteCallback done) {
    bytesWritten.addAndGet(len);
    synchronized (frames) {
      try {
        frames.feed(data, off, len, f -> {
          try {
            received.add(TermDecoder.DEFAULT.decode(f));
          } catch (Exception e) {
            throw new AssertionError("server wrote an undecodable frame", e);
          }
        });
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    done.done(null);
  }

  /** Stops completing writes, as a client that does not read its replies. */
  synchronized void stopReading() {
    reading = false;
  }

  void startReading() {
    List<Runnable> todo;
    synchronized (this) {
      reading = true;
      todo = new ArrayList<>(stalled);
      stalled.clear();
    }
    todo.forEach(Runnable::run);
  }

  @Override
  public void releaseInput(long bytes) {
    released.addAndGet(bytes);
  }

  @Override
  public void close(String reason) {
    closedReason = reason;
  }

  Term take() throws InterruptedException {
    Term t = received.poll(10, TimeUnit.SECONDS);
    if (t == null) {
      throw new AssertionError("no reply within 10 s");
    }
    return t;
  }

  static byte[] frame(Term t) {
    return FrameEncoder.frame(t);
  }
}
