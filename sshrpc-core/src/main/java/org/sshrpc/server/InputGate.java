package org.sshrpc.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sshrpc.wire.FrameDecoder;
import org.sshrpc.wire.FrameRefusedException;
import org.sshrpc.wire.FrameTooLargeException;

/**
 * The input side of one channel: framing ({@link FrameDecoder}), admission of each frame against
 * the memory budget when its header arrives, the frame timeout, the frames held while the channel
 * cannot accept more, and the SSH window (input bytes are released to the transport only once
 * accepted). Complete frames are handed to the {@link RequestReader}, in order.
 *
 * <p>Everything here is guarded by {@link #inputLock}. Feeding is serialised by the transport (one
 * data message at a time); held frames are also drained, under the same lock, by whichever thread
 * made room: a worker ending a call, a write completion, or the deadline timer. Lock order: {@code
 * inputLock} may be held while taking the writer's or the v1 queue's lock, never the reverse.
 */
final class InputGate {
  private static final Logger LOG = LoggerFactory.getLogger(InputGate.class);

  private final RpcSession session;
  private final RpcService service;
  private final FrameDecoder decoder;
  private final Object inputLock = new Object();
  private final ArrayDeque<byte[]> held = new ArrayDeque<>();
  private long heldBytes;
  private long receivedBytes;
  private long releasedBytes;
  private boolean draining;
  private boolean eof;
  // Frames completed so far; a frame-timeout check compares it to see progress.
  private long framesCompleted;
  private boolean frameTimerArmed;
  private long receivedAtFrameTimer;
  // Budget reserved for the frame being received (its declared length), 0 when none.
  private long partialReserved;
  private volatile long maxHeldBytesSeen;

  InputGate(RpcSession session) {
    this.session = session;
    this.service = session.service;
    this.decoder = new FrameDecoder(service.maxFrameLength(), this::admitFrame);
  }

  /**
   * Accepts {@code len} bytes of channel input. Called by one reader thread at a time. The bytes
   * are copied; input the session cannot accept yet is held (bounded by the transport's window)
   * and its bytes are released to the transport only once accepted.
   */
  void feed(byte[] buf, int off, int len) {
    synchronized (inputLock) {
      if (session.isClosed() || session.out.closing()) {
        return;
      }
      receivedBytes += len;
      service.metrics().received(len);
      // Replies to every request in this input (several frames per SSH data message when the
      // client pipelines) leave together in one write, after the last frame is processed.
      session.out.holdWrites();
      try {
        try {
          decoder.feed(buf, off, len, this::onFrame);
        } catch (FrameRefusedException e) {
          session.reader.frameRefused((int) e.length(), framesCompleted + 1);
          return;
        } catch (FrameTooLargeException e) {
          session.reader.frameTooLarge(e, framesCompleted + 1);
          return;
        }
        armFrameTimer();
        drainHeld();
      } finally {
        session.out.releaseWrites();
      }
    }
  }

  /**
   * Starts the frame timeout when a partial frame is buffered and no timer runs: a frame that is
   * still incomplete {@code frameTimeout} after its timer started closes the channel (a slowloris
   * peer sends just enough to keep the SSH session from being idle). Caller holds inputLock.
   */
  private void armFrameTimer() {
    Duration timeout = service.frameTimeout();
    if (timeout == null || frameTimerArmed || decoder.atFrameBoundary() || session.isClosed()) {
      return;
    }
    frameTimerArmed = true;
    receivedAtFrameTimer = receivedBytes;
    long seen = framesCompleted;
    try {
      service.timers.schedule(() -> frameTimerFired(seen), timeout.toNanos());
    } catch (RejectedExecutionException e) {
      frameTimerArmed = false; // the service is closing
    }
  }

  private void frameTimerFired(long seen) {
    String reason;
    synchronized (inputLock) {
      frameTimerArmed = false;
      // Not stalled: a frame completed, or the peer kept sending at a useful rate (a large frame
      // over a slow link), or the stall is ours (frames held while the client does not read, so
      // its window is not released). Time the next period from now.
      if (session.isClosed()
          || framesCompleted != seen
          || decoder.atFrameBoundary()
          || receivedBytes - receivedAtFrameTimer >= RpcSession.MIN_FRAME_PROGRESS
          || !held.isEmpty()) {
        armFrameTimer();
        return;
      }
      reason =
          "frame incomplete after " + service.frameTimeout().toMillis() + " ms ("
              + decoder.bufferedBytes() + " bytes received)";
    }
    LOG.warn("closing sshrpc channel of {} from {}: {}", LogText.field(session.user), session.remoteAddress, LogText.field(reason));
    AuditLog.channelClosed(session.user, session.keyFingerprint, session.remoteAddress, reason);
    session.closeNow(CloseCause.FRAME_TIMEOUT, reason);
  }

  /**
   * The frame decoder's admission check, when a frame's header has arrived and its body has not:
   * reserves the frame's memory before its body is buffered (the decoder then allocates exactly
   * that, at once). Frames of at most {@link MemoryBudget#SMALL} bytes are charged when complete.
   * A refusal makes the decoder throw {@link FrameRefusedException}. Caller holds inputLock.
   */
  private boolean admitFrame(int length) {
    long need = FrameDecoder.HEADER_LENGTH + (long) length;
    if (need <= MemoryBudget.SMALL) {
      return true;
    }
    if (session.account.tryCharge(need)) {
      partialReserved = need;
      return true;
    }
    return false;
  }

  private void onFrame(byte[] frame) {
    session.framesIn.incrementAndGet();
    framesCompleted++;
    // A large frame was reserved when its header came; a small one is charged now. Either way the
    // frame holds HEADER_LENGTH + length bytes of budget until it is processed.
    if (partialReserved > 0) {
      partialReserved = 0;
    } else {
      session.account.force(FrameDecoder.HEADER_LENGTH + (long) frame.length);
    }
    if (draining || !held.isEmpty() || !canAccept()) {
      held.add(frame);
      heldBytes += FrameDecoder.HEADER_LENGTH + frame.length;
      maxHeldBytesSeen = Math.max(maxHeldBytesSeen, heldBytes);
      service.peaks.held(heldBytes);
    } else {
      session.reader.process(frame);
    }
  }

  /** Whether a frame may be processed now: replies not backed up, v1 queue not full. */
  private boolean canAccept() {
    return session.out.outboundBytes() < service.maxOutboundBytes()
        && session.v1.queued() < service.maxInFlight();
  }

  /** Processes held frames while they can be accepted, then releases the accepted bytes. */
  private void drainHeld() {
    // Caller holds inputLock. A reply written synchronously can call back in here: the flag keeps
    // the outer loop the only one, so frames are processed in order.
    if (draining) {
      return;
    }
    draining = true;
    try {
      while (!held.isEmpty() && !session.isClosed() && canAccept()) {
        byte[] f = held.poll();
        heldBytes -= FrameDecoder.HEADER_LENGTH + f.length;
        session.reader.process(f);
      }
    } finally {
      draining = false;
    }
    long target = receivedBytes - heldBytes;
    if (target > releasedBytes && !session.isClosed()) {
      long n = target - releasedBytes;
      releasedBytes = target;
      session.transport.releaseInput(n);
    }
  }

  /**
   * Something that limits input changed (a write finished, a call ended): process held frames
   * and release their window. Runs on the thread that made the room.
   */
  void resume() {
    synchronized (inputLock) {
      if (!held.isEmpty() || receivedBytes - heldBytes > releasedBytes) {
        session.out.holdWrites();
        try {
          drainHeld();
        } finally {
          session.out.releaseWrites();
        }
      }
    }
  }

  /** The client sent EOF. */
  void markEof() {
    synchronized (inputLock) {
      eof = true;
    }
  }

  /** True once the client sent EOF and no frame waits. */
  boolean drainedAfterEof() {
    synchronized (inputLock) {
      return eof && held.isEmpty();
    }
  }

  /**
   * The channel closed: drop held frames and the partial one now (the budget is given back by the
   * account), not when MINA lets go of the channel (a peer that never answers the close keeps it
   * for a while).
   */
  void discard() {
    synchronized (inputLock) {
      held.clear();
      heldBytes = 0;
      decoder.discard();
      partialReserved = 0;
    }
  }

  /** Bytes of complete frames received but not yet accepted (their window not released). */
  long heldBytes() {
    synchronized (inputLock) {
      return heldBytes;
    }
  }

  long maxHeldBytesSeen() {
    return maxHeldBytesSeen;
  }

  /** Input bytes whose window has been released to the transport. */
  long releasedBytes() {
    synchronized (inputLock) {
      return releasedBytes;
    }
  }
}
