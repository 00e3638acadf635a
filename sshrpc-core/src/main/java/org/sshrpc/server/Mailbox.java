package org.sshrpc.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.wire.ServerTerms;
import org.sshrpc.term.Term;

/**
 * Something with a pid on this node that messages can be sent to: a server process, or a client's
 * mailbox that forwards over its connection. It belongs to the user of the channel that made it
 * ({@link #account}); tracks the monitors watching it and the one name it may have.
 */
abstract class Mailbox {

  final ErlPid pid;
  /** The channel that made it; null only in registry unit tests. */
  final SessionProcesses owner;
  /** Its user's share of the node: names and pids are counted there. */
  final ProcessRegistry.UserAccount account;
  /** Whether it holds one of its user's {@link ProcessLimits#pidsPerUser()} (a channel's DOWN mailbox does not). */
  final boolean counted;
  private final ProcessRegistry registry;
  private final List<Watch> watches = new ArrayList<>(); // guarded by this
  private Term exitReason; // guarded by this; non-null once dead
  private Name name; // guarded by this

  private record Watch(ErlRef ref, SessionProcesses watcher) {}

  /** A registered name and the table (a user's own, or the public one) it is in. */
  record Name(ErlAtom name, Map<ErlAtom, Mailbox> table) {}

  Mailbox(ProcessRegistry registry, SessionProcesses owner, ProcessRegistry.UserAccount account, boolean counted) {
    this.registry = registry;
    this.owner = owner;
    this.account = account;
    this.counted = counted;
    this.pid = registry.newPid();
  }

  /** The SSH user it belongs to. */
  final String ownerUser() {
    return account.user;
  }

  /** Delivers one message; never blocks. The sender was already let through ({@link #acceptsFrom}). */
  abstract void deliver(Term message);

  /**
   * The receiver's half of a send from another user ({@code sender} is never this mailbox's own
   * user): a server process decides by {@link RpcProcess#acceptsFrom}, a client mailbox by the
   * policy's {@code receive from=} rules for its user.
   */
  abstract boolean acceptsFrom(String sender, AccessPolicy policy);

  synchronized boolean isAlive() {
    return exitReason == null;
  }

  /** Caller holds this mailbox's lock. */
  boolean isAliveLocked() {
    return exitReason == null;
  }

  /** Caller holds this mailbox's lock. */
  boolean hasName() {
    return name != null;
  }

  /** Caller holds this mailbox's lock. */
  void setName(Name n) {
    name = n;
  }

  /** Takes the registered name away (the mailbox died); null if it had none. */
  synchronized Name takeName() {
    Name n = name;
    name = null;
    return n;
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
    watcher.deliverDown(ref, pid, ServerTerms.NOPROC);
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
    return ErlTuple.of(ServerTerms.DOWN, ref, ServerTerms.PROCESS, pid, reason);
  }
}
