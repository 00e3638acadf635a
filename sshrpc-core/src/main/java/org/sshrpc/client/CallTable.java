package org.sshrpc.client;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The calls of one channel that wait for a reply: by id (every call, also on v1, so that a close
 * can fail all of them wherever they are), in send order for a v1 server (which answers in
 * order), and by the frame that carried them when the server names frames in its channel errors.
 *
 * <p>Lock-free: concurrent maps and a concurrent queue. Callers add; the writer records what it
 * sent; the reader removes as replies arrive; a close drains everything.
 */
final class CallTable {
  private final AtomicLong ids = new AtomicLong();
  private final ConcurrentHashMap<Long, PendingCall> byId = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<PendingCall> v1Sent = new ConcurrentLinkedQueue<>();
  private final ConcurrentHashMap<Long, PendingCall> byFrame = new ConcurrentHashMap<>();

  /** A fresh id, unique on the channel. */
  long nextId() {
    return ids.incrementAndGet();
  }

  void add(PendingCall p) {
    byId.put(p.id, p);
  }

  /** The call with this id, removed; null if none waits. */
  PendingCall remove(long id) {
    PendingCall p = byId.remove(id);
    if (p != null) {
      forgetFrame(p);
    }
    return p;
  }

  /** Removes {@code p} if it still waits; false if a reply, close or cancel got there first. */
  boolean remove(PendingCall p) {
    if (!byId.remove(p.id, p)) {
      return false;
    }
    forgetFrame(p);
    return true;
  }

  /** Records a v1 call as written: before the write, so that its answer always finds it. */
  void sentV1(PendingCall p) {
    v1Sent.add(p);
  }

  /** The oldest v1 call written and not answered (removed), or null if none. */
  PendingCall nextV1Answer() {
    PendingCall p = v1Sent.poll();
    if (p != null) {
      byId.remove(p.id, p);
    }
    return p;
  }

  /** Records that frame {@code seq} carries {@code p}: before the write, so an error about it finds it. */
  void sentInFrame(PendingCall p, long seq) {
    p.frame = seq;
    byFrame.put(seq, p);
  }

  /** The call that frame {@code seq} carried, removed from the table; null if none waits. */
  PendingCall removeByFrame(long seq) {
    PendingCall p = byFrame.remove(seq);
    return p != null && byId.remove(p.id, p) ? p : null;
  }

  private void forgetFrame(PendingCall p) {
    if (p.frame != 0) {
      byFrame.remove(p.frame, p);
    }
  }

  /** Calls waiting (for tests and diagnostics). */
  int size() {
    return byId.size();
  }

  /** Frames remembered (for tests: at most the calls waiting). */
  int framesRemembered() {
    return byFrame.size();
  }

  /** Removes and returns every call still waiting. */
  List<PendingCall> drain() {
    List<PendingCall> all = new ArrayList<>(byId.values());
    byId.clear();
    byFrame.clear();
    for (PendingCall p; (p = v1Sent.poll()) != null; ) {
      if (!all.contains(p)) {
        all.add(p);
      }
    }
    return all;
  }
}
