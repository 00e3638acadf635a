package org.sshrpc.server;

import org.sshrpc.wire.ServerTerms;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;

/**
 * The node's table of live pids (server processes and client mailboxes) and registered names.
 * Thread-safe, and without a node-wide lock: every operation is O(1).
 *
 * <p><b>Pids and refs are random</b> (64 bits of a {@link SecureRandom} per pid, spread over
 * NEW_PID_EXT's 32-bit id and serial; 96 bits per ref over three NEWER_REFERENCE_EXT words; both
 * round-trip through OTP 25's {@code binary_to_term}/{@code term_to_binary}), so a pid cannot be
 * guessed from another one: knowing a pid is the capability to address it, as far as the policy
 * allows. A new pid is checked against the live ones before it is used and again on insertion.
 *
 * <p><b>Names are scoped</b>: each user has a table of their own; names the policy makes public
 * are in one node-wide table. Each table maps a name to its mailbox, and the mailbox keeps the
 * one name it has, so unregistering a dead pid is one removal. Each user's registered names
 * (public ones included) and live pids are counted, and reserved before they are added, against
 * {@link ProcessLimits}.
 */
final class ProcessRegistry {
  /** What {@link #register} decided. */
  enum Registration {
    OK,
    /** Erlang's {@code badarg}: the name is taken, or the pid is dead or already has a name. */
    BADARG,
    /** The user has as many names as {@link ProcessLimits#namesPerUser()}. */
    LIMIT
  }

  private static final ErlAtom UNDEFINED = ServerTerms.UNDEFINED;

  /** Attempts at a fresh pid before giving up: a repeat is a 2^-64 event, eight in a row never. */
  private static final int PID_ATTEMPTS = 8;

  private final ErlAtom node;
  private final long creation;
  private final SecureRandom random = new SecureRandom();
  private final Map<ErlPid, Mailbox> live = new ConcurrentHashMap<>();
  private final Map<String, UserAccount> accounts = new ConcurrentHashMap<>();
  private final Map<ErlAtom, Mailbox> publicNames = new ConcurrentHashMap<>();
  private volatile ProcessLimits limits = ProcessLimits.DEFAULT;

  /**
   * One user's share of the node: their own name table and their counts. One per user name seen,
   * kept for the life of the node (a few hundred bytes per user who ever used processes).
   */
  static final class UserAccount {
    final String user;
    final Map<ErlAtom, Mailbox> names = new ConcurrentHashMap<>();
    final AtomicInteger nameCount = new AtomicInteger();
    final AtomicInteger pidCount = new AtomicInteger();

    UserAccount(String user) {
      this.user = user;
    }
  }

  ProcessRegistry(ErlAtom node) {
    this.node = node;
    // A fresh creation per start, as an Erlang node gets: pids of an earlier run never match.
    this.creation = 1 + (random.nextInt() & 0x7FFFFFFF);
  }

  ProcessLimits limits() {
    return limits;
  }

  /** Replaces the limits for what is reserved from now on (tests; operators through the service). */
  void limits(ProcessLimits l) {
    this.limits = java.util.Objects.requireNonNull(l, "limits");
  }

  UserAccount account(String user) {
    return accounts.computeIfAbsent(user, UserAccount::new);
  }

  /** A random pid no live mailbox has. */
  ErlPid newPid() {
    for (int i = 0; i < PID_ATTEMPTS; i++) {
      long r = random.nextLong();
      ErlPid p = ErlPid.of(node, r & 0xFFFFFFFFL, r >>> 32, creation);
      if (!live.containsKey(p)) {
        return p;
      }
    }
    throw new IllegalStateException("no fresh pid after " + PID_ATTEMPTS + " random draws");
  }

  /** A random reference (monitors). */
  ErlRef newRef() {
    return ErlRef.of(node, creation, random.nextInt(), random.nextInt(), random.nextInt());
  }

  /**
   * Reserves one live pid for {@code a} before the mailbox or process is made, so concurrent
   * starts cannot overshoot the limit. False when the user is at the limit. Given back by {@link
   * #remove} of a counted mailbox, or by {@link #releasePid} when the start fails.
   */
  boolean reservePid(UserAccount a) {
    return reserve(a.pidCount, limits.pidsPerUser());
  }

  /**
   * Takes one unit of {@code counter} if it is below {@code limit}. A compare-and-set loop, not
   * increment-then-undo: the counter never shows a value over the limit, even for an instant, so a
   * concurrent reader (or a limit check of another kind) never sees an overshoot.
   */
  static boolean reserve(java.util.concurrent.atomic.AtomicInteger counter, int limit) {
    while (true) {
      int c = counter.get();
      if (c >= limit) {
        return false;
      }
      if (counter.compareAndSet(c, c + 1)) {
        return true;
      }
    }
  }

  void releasePid(UserAccount a) {
    a.pidCount.decrementAndGet();
  }

  /**
   * Makes {@code m} reachable by its pid. False if another mailbox took the same pid meanwhile
   * (then nothing changed).
   */
  boolean add(Mailbox m) {
    return live.putIfAbsent(m.pid, m) == null;
  }

  /** Removes a dead mailbox, its name if it has one, and gives back what it counted. O(1). */
  void remove(Mailbox m) {
    if (live.remove(m.pid, m) && m.counted) {
      releasePid(m.account);
    }
    Mailbox.Name n = m.takeName();
    if (n != null) {
      n.table().remove(n.name(), m);
      m.account.nameCount.decrementAndGet();
    }
  }

  Mailbox get(ErlPid pid) {
    return live.get(pid);
  }

  /** The live mailbox registered as {@code name} in {@code a}'s own scope, or null. */
  Mailbox whereis(UserAccount a, ErlAtom name) {
    return alive(a.names.get(name));
  }

  /** The live mailbox registered as the public {@code name}, or null. */
  Mailbox whereisPublic(ErlAtom name) {
    return alive(publicNames.get(name));
  }

  private static Mailbox alive(Mailbox m) {
    return m != null && m.isAlive() ? m : null;
  }

  /**
   * Erlang's {@code register/2} in {@code m}'s owner's own scope, or in the public one. The name
   * is counted against the owner's account before it is inserted.
   */
  Registration register(ErlAtom name, Mailbox m, boolean publicName) {
    if (name.equals(UNDEFINED)) {
      return Registration.BADARG;
    }
    UserAccount a = m.account;
    Map<ErlAtom, Mailbox> table = publicName ? publicNames : a.names;
    // Under the mailbox's lock: it cannot die (markDead takes the same lock) or take a second
    // name meanwhile; remove() then finds the name and takes it out.
    synchronized (m) {
      if (!m.isAliveLocked() || m.hasName()) {
        return Registration.BADARG;
      }
      if (!reserve(a.nameCount, limits.namesPerUser())) {
        return Registration.LIMIT;
      }
      Mailbox old = table.putIfAbsent(name, m);
      // A dead holder whose removal has not run yet does not keep the name.
      if (old != null && (old.isAlive() || !table.replace(name, old, m))) {
        a.nameCount.decrementAndGet();
        return Registration.BADARG;
      }
      m.setName(new Mailbox.Name(name, table));
    }
    return Registration.OK;
  }

  int size() {
    return live.size();
  }
}
