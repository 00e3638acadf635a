package org.sshrpc.server;

import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.Term;

/**
 * The node's table of live pids (server processes and client mailboxes) and registered names.
 * Thread-safe.
 */
final class ProcessRegistry {
  private final ErlAtom node;
  private final long creation;
  private final AtomicLong nextPid = new AtomicLong(1);
  private final AtomicLong nextRef = new AtomicLong(1);
  private final Map<ErlPid, Mailbox> live = new ConcurrentHashMap<>();
  private final Map<ErlAtom, ErlPid> names = new ConcurrentHashMap<>();

  ProcessRegistry(ErlAtom node) {
    this.node = node;
    // A fresh creation per start, as an Erlang node gets: pids of an earlier run never match.
    this.creation = 1 + (new SecureRandom().nextInt() & 0x7FFFFFFF);
  }

  ErlPid newPid() {
    long n = nextPid.getAndIncrement();
    return ErlPid.of(node, n & 0xFFFFFFFFL, (n >>> 32) & 0x1FFF, creation);
  }

  ErlRef newRef() {
    long n = nextRef.getAndIncrement();
    return ErlRef.of(node, creation, (int) n, (int) (n >>> 32), 0);
  }

  void add(Mailbox m) {
    live.put(m.pid, m);
  }

  /** Removes a dead mailbox and any name registered for it. */
  void remove(Mailbox m) {
    live.remove(m.pid, m);
    names.values().removeIf(p -> p.equals(m.pid));
  }

  Mailbox get(ErlPid pid) {
    return live.get(pid);
  }

  /** A pid or a registered name to its live mailbox, or null. */
  Mailbox resolve(Term dest) {
    ErlPid pid = dest instanceof ErlPid ? (ErlPid) dest : dest instanceof ErlAtom ? names.get(dest) : null;
    return pid == null ? null : live.get(pid);
  }

  /** Erlang's register/2: false when the name is taken, or the pid dead or already named. */
  synchronized boolean register(ErlAtom name, ErlPid pid) {
    Mailbox m = live.get(pid);
    if (m == null || names.containsKey(name) || names.containsValue(pid) || name.name().equals("undefined")) {
      return false;
    }
    names.put(name, pid);
    if (!live.containsKey(pid)) { // died meanwhile
      names.remove(name, pid);
      return false;
    }
    return true;
  }

  ErlPid whereis(ErlAtom name) {
    return names.get(name);
  }

  int size() {
    return live.size();
  }
}
