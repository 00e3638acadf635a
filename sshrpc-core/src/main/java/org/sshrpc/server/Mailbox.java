package org.sshrpc.server;

import java.util.ArrayList;
import java.util.List;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/**
 * Something with a pid on this node that messages can be sent to: a server process, or a client's
 * mailbox that forwards over its connection. Tracks the monitors watching it.
 */
abstract class Mailbox {
  static final ErlAtom DOWN = ErlAtom.of("DOWN");
  static final ErlAtom PROCESS = ErlAtom.of("process");

  final ErlPid pid;
  final SessionProcesses owner;
  private final ProcessRegistry registry;
  private final List<Watch> watches = new ArrayList<>(); // guarded by this
  private Term exitReason; // guarded by this; non-null once dead

  private record Watch(ErlRef ref, SessionProcesses watcher) {}

  Mailbox(ProcessRegistry registry, SessionProcesses owner) {
    this.registry = registry;
    this.owner = owner;
    this.pid = registry.newPid();
  }

  /** Delivers one message; never blocks. */
  abstract void deliver(Term message);

  synchronized boolean isAlive() {
    return exitReason == null;
  }

  /**
   * Adds a monitor; when already dead, sends {@code DOWN} at once with reason {@code noproc}, as
   * Erlang's monitor/2 does.
   */
  void monitor(ErlRef ref, SessionProcesses watcher) {
    synchronized (this) {
      if (exitReason == null) {
        watches.add(new Watch(ref, watcher));
        return;
      }
    }
    watcher.deliverDown(ref, pid, ErlAtom.of("noproc"));
  }

  /** Drops every monitor held by {@code watcher} (its connection closed). */
  synchronized void demonitorAll(SessionProcesses watcher) {
    watches.removeIf(w -> w.watcher == watcher);
  }

  /**
   * Marks this mailbox dead with {@code reason}, unregisters it and sends {@code DOWN} to its
   * monitors. Returns false if it was already dead.
   */
  boolean markDead(Term reason) {
    List<Watch> toNotify;
    synchronized (this) {
      if (exitReason != null) {
        return false;
      }
      exitReason = reason;
      toNotify = new ArrayList<>(watches);
      watches.clear();
    }
    registry.remove(this);
    for (Watch w : toNotify) {
      w.watcher.deliverDown(w.ref, pid, reason);
    }
    return true;
  }

  static Term down(ErlRef ref, ErlPid pid, Term reason) {
    return ErlTuple.of(DOWN, ref, PROCESS, pid, reason);
  }
}
