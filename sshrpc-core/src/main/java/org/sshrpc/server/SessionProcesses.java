package org.sshrpc.server;

import org.sshrpc.wire.ServerTerms;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.acl.AccessPolicy.Verb;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Reason;
import org.sshrpc.wire.ServerMessage;

/**
 * The process room of one channel: the v2 process operations ({@code spawn}, {@code send},
 * {@code register}, {@code whereis}, {@code monitor}, {@code mailbox}, {@code exit}), the
 * processes and mailboxes the channel owns and the monitors it holds. One per {@link RpcSession};
 * it reaches the channel only through {@link RpcSession#send(Term)} (replies) and {@link
 * RpcSession#deliverToClient} (messages and {@code DOWN}s for the client).
 *
 * <p><b>Owners.</b> Every process and mailbox belongs to the user of the channel that made it.
 * Each operation is decided by the policy with its own verb ({@link AccessPolicy.Verb}): on the
 * user's own processes and names by {@link AccessPolicy#allowsOwn}; on another user's by {@link
 * AccessPolicy#allowsPeer} ({@code to=} rules), and then only if the receiver accepts ({@link
 * Mailbox#acceptsFrom}); on public names by {@link AccessPolicy#allowsPublicName}. What another
 * user's process cannot tell apart from nothing, it gets: a refused send is dropped as one to a
 * dead pid, a refused monitor is a {@code noproc} {@code DOWN}, {@code whereis} looks only in the
 * caller's scope. Refusals are counted ({@link #refusals()}) and audited ({@code process_refused},
 * the first {@value #AUDIT_FIRST}, then one in {@value #AUDIT_EVERY}).
 *
 * <p><b>Limits</b> ({@link ProcessLimits}) are reserved before what they count is made, and given
 * back when it goes or when making it failed, so concurrent requests cannot overshoot them.
 */
final class SessionProcesses {
  private static final ErlAtom NOCONNECTION = Reason.NOCONNECTION.atom();
  private static final ErlAtom BADARG = ServerTerms.BADARG;
  private static final ErlAtom NOPROC = ServerTerms.NOPROC;

  /** Refusals audited one by one per channel; past that, one line per {@link #AUDIT_EVERY}. */
  static final int AUDIT_FIRST = 100;

  static final int AUDIT_EVERY = 1000;

  final RpcSession session;
  private final RpcService service;
  private final ProcessRegistry registry;
  private final ProcessRegistry.UserAccount account;

  // Processes and mailboxes this channel owns; monitors it holds.
  private final Set<LocalProcess> processes = ConcurrentHashMap.newKeySet();
  // Processes owned or being started: reserved before the factory runs.
  private final AtomicInteger processSlots = new AtomicInteger();
  private final Map<ErlPid, Mailbox> watched = new ConcurrentHashMap<>();
  private final AtomicInteger monitors = new AtomicInteger();
  private volatile ClientMailbox defaultMailbox;
  private final List<ClientMailbox> mailboxes = new ArrayList<>(); // guarded by itself
  private int openedMailboxes; // guarded by mailboxes; the DOWN mailbox is not counted
  private final AtomicLong refusals = new AtomicLong();

  SessionProcesses(RpcSession session) {
    this.session = session;
    this.service = session.service;
    this.registry = service.processes;
    this.account = registry.account(session.user);
  }

  /** The channel's SSH user. */
  String user() {
    return session.user;
  }

  ProcessRegistry.UserAccount account() {
    return account;
  }

  /** Process operations of this channel (or its processes) refused by the policy or a receiver. */
  long refusals() {
    return refusals.get();
  }

  private AccessPolicy policy() {
    return service.policyNow();
  }

  private boolean allowsOwn(AccessPolicy p, Verb v) {
    return p.allowsOwn(session.user, session.keyFingerprint, v);
  }

  private void reply(long id, Term value) {
    session.send(ServerMessage.Reply.ok(id, value).toTerm());
  }

  private void replyError(long id, Term reason) {
    session.send(ServerMessage.Reply.error(id, reason).toTerm());
  }

  /** {@code {error, Id, {sshrpc_denied, Verb}}}: the caller may not use this verb here at all. */
  private void replyDenied(long id, Verb v, Term target) {
    refused(v, target, null, "policy");
    replyError(id, ErlTuple.of(Reason.DENIED.atom(), ErlAtom.of(v.word())));
  }

  // ---------------------------------------------------------------- spawn

  void spawn(ClientMessage.Spawn s) {
    long received = System.nanoTime();
    if (!reserveProcessSlot()) {
      refuseSpawn(s, Outcome.OVERLOADED, received);
      return;
    }
    AccessPolicy p = policy();
    String m = s.module().name();
    String f = s.function().name();
    int arity = s.args().size();
    boolean allowed = p.allowsSpawn(session.user, session.keyFingerprint, m, f, arity)
        // the metrics module is opened only by rules naming it (it has no processes anyway)
        && (!MetricsAccess.MODULE.equals(m) || MetricsAccess.allows(p, session.user, session.keyFingerprint, f, arity));
    if (!allowed) {
      releaseProcessSlot();
      refuseSpawn(s, Outcome.denied(ErlTuple.of(s.module(), s.function(), Terms.integer(arity))), received);
      return;
    }
    ProcessFactory factory = service.processStarter(s.module(), s.function(), arity);
    if (factory == null) {
      releaseProcessSlot();
      refuseSpawn(s, Outcome.raised(RpcService.undef(s.module(), s.function(), s.args())), received);
      return;
    }
    if (!registry.reservePid(account)) {
      releaseProcessSlot();
      refuseSpawn(s, Outcome.OVERLOADED, received);
      return;
    }
    SpawnContext ctx = new SpawnContext(spawnDeadline());
    try {
      // In the user's worker lane like any function; the reply (a factory's error reason may be
      // anything) is bounded like any reply.
      service.lanes.submit(
          session.user,
          () -> {
            Outcome o = startProcess(factory, ctx, s);
            auditSpawn(s, o, received);
            session.sendV2(s.id(), o);
          },
          () -> {
            registry.releasePid(account);
            releaseProcessSlot();
            refuseSpawn(s, Outcome.OVERLOADED, received);
          });
    } catch (RejectedExecutionException ex) {
      registry.releasePid(account);
      releaseProcessSlot();
      refuseSpawn(s, Outcome.OVERLOADED, received);
    }
  }

  /**
   * Runs the factory on a worker and makes the process live. The channel slot and the user's pid
   * were reserved by the caller: from here they are given back by the process's end, or here when
   * it never started.
   */
  private Outcome startProcess(ProcessFactory factory, SpawnContext ctx, ClientMessage.Spawn s) {
    RpcProcess impl;
    try {
      impl = factory.start(ctx, s.args().elements());
      if (impl == null) {
        throw new NullPointerException("process factory returned null");
      }
    } catch (ErlangException ex) {
      registry.releasePid(account);
      releaseProcessSlot();
      return Outcome.raised(ex.reason());
    } catch (Exception | StackOverflowError | LinkageError | OutOfMemoryError ex) {
      registry.releasePid(account);
      releaseProcessSlot();
      return Outcome.raised(RpcService.javaException(ex.getClass().getName(), ex.getMessage()));
    }
    LocalProcess p;
    try {
      p = new LocalProcess(service, this, impl);
    } catch (IllegalStateException ex) { // no fresh pid: never in practice
      registry.releasePid(account);
      releaseProcessSlot();
      return Outcome.raised(RpcService.javaException(ex.getClass().getName(), ex.getMessage()));
    }
    processes.add(p);
    if (!registry.add(p)) { // the same random pid taken meanwhile: never in practice
      processes.remove(p);
      registry.releasePid(account);
      releaseProcessSlot();
      return Outcome.raised(RpcService.javaException("java.lang.IllegalStateException", "pid collision"));
    }
    if (session.isClosed()) {
      // Raced with close(), which may have killed the processes before this one was in the set.
      p.kill(NOCONNECTION);
      return Outcome.refused(Reason.NOCONNECTION);
    }
    return Outcome.ok(p.pid);
  }

  private void refuseSpawn(ClientMessage.Spawn s, Outcome o, long received) {
    auditSpawn(s, o, received);
    session.send(o.v2Reply(s.id()).toTerm());
  }

  private boolean reserveProcessSlot() {
    return ProcessRegistry.reserve(processSlots, registry.limits().processesPerChannel());
  }

  private void releaseProcessSlot() {
    processSlots.decrementAndGet();
  }

  private void auditSpawn(ClientMessage.Spawn s, Outcome o, long receivedNanos) {
    AuditLog.call("spawn", session.user, session.keyFingerprint, session.remoteAddress,
        s.module().name(), s.function().name(), s.args().size(), o, receivedNanos);
  }

  /** A spawn has no deadline of its own; its factory sees the server's default call timeout. */
  private Instant spawnDeadline() {
    Duration d = service.defaultCallTimeout();
    return d == null ? null : Instant.now().plus(d);
  }

  // ---------------------------------------------------------------- send

  /**
   * Sends {@code message} from this channel's user (its client, or one of its processes) to a pid
   * or a name, as Erlang's {@code !}: never a reply, and whatever cannot be delivered is dropped.
   */
  void send(Term destination, Term message) {
    AccessPolicy p = policy();
    Mailbox target;
    boolean byPublicName = false;
    if (destination instanceof ErlPid pid) {
      target = registry.get(pid);
    } else if (destination instanceof ErlAtom name) {
      if (p.isPublicName(name.name())) {
        if (!p.allowsPublicName(session.user, session.keyFingerprint, Verb.SEND, name.name())) {
          refused(Verb.SEND, destination, null, "policy");
          return;
        }
        target = registry.whereisPublic(name);
        byPublicName = true;
      } else {
        target = registry.whereis(account, name);
      }
    } else {
      return;
    }
    if (target == null) {
      return; // no such process: dropped, as Erlang drops a message to a dead pid
    }
    if (target.account == account) {
      if (!byPublicName && !allowsOwn(p, Verb.SEND)) {
        refused(Verb.SEND, destination, null, "policy");
        return;
      }
    } else {
      String other = target.ownerUser();
      if (!byPublicName && !p.allowsPeer(session.user, session.keyFingerprint, Verb.SEND, other)) {
        refused(Verb.SEND, destination, other, "policy");
        return;
      }
      if (!target.acceptsFrom(session.user, p)) {
        refused(Verb.SEND, destination, other, "receiver");
        return;
      }
    }
    target.deliver(message);
  }

  // ---------------------------------------------------------------- names

  void register(ClientMessage.Register r) {
    AccessPolicy p = policy();
    String name = r.name().name();
    boolean isPublic = p.isPublicName(name);
    boolean allowed = isPublic
        ? p.allowsPublicName(session.user, session.keyFingerprint, Verb.REGISTER, name)
        : allowsOwn(p, Verb.REGISTER);
    if (!allowed) {
      replyDenied(r.id(), Verb.REGISTER, r.name());
      return;
    }
    Mailbox m = registry.get(r.pid());
    if (m == null || m.account != account) {
      // Only the user's own processes and mailboxes can be named (another user's: as if dead).
      replyError(r.id(), BADARG);
      return;
    }
    switch (registry.register(r.name(), m, isPublic)) {
      case OK -> reply(r.id(), ErlAtom.TRUE);
      case BADARG -> replyError(r.id(), BADARG);
      case LIMIT -> replyError(r.id(), Reason.OVERLOADED.atom());
    }
  }

  void whereis(ClientMessage.Whereis w) {
    AccessPolicy p = policy();
    String name = w.name().name();
    Mailbox m;
    if (p.isPublicName(name)) {
      if (!p.allowsPublicName(session.user, session.keyFingerprint, Verb.WHEREIS, name)) {
        replyDenied(w.id(), Verb.WHEREIS, w.name());
        return;
      }
      m = registry.whereisPublic(w.name());
    } else {
      if (!allowsOwn(p, Verb.WHEREIS)) {
        replyDenied(w.id(), Verb.WHEREIS, w.name());
        return;
      }
      m = registry.whereis(account, w.name()); // only this user's names: another's are not there
    }
    reply(w.id(), m == null ? ErlAtom.UNDEFINED : m.pid);
  }

  // ---------------------------------------------------------------- monitor, mailbox, exit

  void monitor(ClientMessage.Monitor mo) {
    AccessPolicy p = policy();
    Mailbox target = registry.get(mo.pid());
    if (target != null && target.account != account
        && !p.allowsPeer(session.user, session.keyFingerprint, Verb.MONITOR, target.ownerUser())) {
      // Another user's process the caller may not watch looks exactly like one that is gone.
      refused(Verb.MONITOR, mo.pid(), target.ownerUser(), "policy");
      target = null;
    }
    boolean allowed = target != null && target.account != account || allowsOwn(p, Verb.MONITOR);
    if (!allowed) {
      replyDenied(mo.id(), Verb.MONITOR, mo.pid());
      return;
    }
    if (!ProcessRegistry.reserve(monitors, registry.limits().monitorsPerChannel())) {
      session.send(Outcome.OVERLOADED.v2Reply(mo.id()).toTerm());
      return;
    }
    // The slot is given back when its DOWN is delivered.
    ErlRef ref = registry.newRef();
    reply(mo.id(), ref);
    if (target == null) {
      deliverDown(ref, mo.pid(), NOPROC);
    } else {
      watched.put(target.pid, target);
      target.monitor(ref, this);
    }
  }

  void mailbox(ClientMessage.Mailbox mb) {
    if (!allowsOwn(policy(), Verb.MAILBOX)) {
      replyDenied(mb.id(), Verb.MAILBOX, ErlAtom.of(Verb.MAILBOX.word()));
      return;
    }
    ClientMailbox box = newMailbox();
    session.send(box == null
        ? Outcome.OVERLOADED.v2Reply(mb.id()).toTerm()
        : ServerMessage.Reply.ok(mb.id(), box.pid).toTerm());
  }

  void exit(ClientMessage.Exit x) {
    if (!allowsOwn(policy(), Verb.EXIT)) {
      replyDenied(x.id(), Verb.EXIT, x.pid());
      return;
    }
    Mailbox m = registry.get(x.pid());
    if (m == null) {
      reply(x.id(), ErlAtom.TRUE); // already dead, as exit/2
    } else if (m.account != account) {
      refused(Verb.EXIT, x.pid(), m.ownerUser(), "not_owner");
      replyError(x.id(), BADARG); // no rule can let a user stop another user's process
    } else if (!(m instanceof LocalProcess)) {
      replyError(x.id(), BADARG);
    } else {
      ((LocalProcess) m).kill(x.reason());
      reply(x.id(), ErlAtom.TRUE);
    }
  }

  private ClientMailbox newMailbox() {
    synchronized (mailboxes) {
      if (openedMailboxes >= registry.limits().mailboxesPerChannel() || session.isClosed()) {
        return null;
      }
      if (!registry.reservePid(account)) {
        return null;
      }
      ClientMailbox box;
      try {
        box = new ClientMailbox(registry, this, true);
      } catch (IllegalStateException e) { // no fresh pid: never in practice
        registry.releasePid(account);
        return null;
      }
      if (!registry.add(box)) {
        registry.releasePid(account);
        return null;
      }
      openedMailboxes++;
      mailboxes.add(box);
      return box;
    }
  }

  /** The mailbox {@code DOWN}s go to (the client routes them by ref); outside the limits. */
  private ClientMailbox defaultMailbox() {
    ClientMailbox box = defaultMailbox;
    if (box == null) {
      synchronized (mailboxes) {
        box = defaultMailbox;
        if (box == null) {
          box = new ClientMailbox(registry, this, false);
          mailboxes.add(box);
          registry.add(box);
          defaultMailbox = box;
        }
      }
    }
    return box;
  }

  /** Called by a monitored mailbox when it dies. */
  void deliverDown(ErlRef ref, ErlPid pid, Term reason) {
    if (session.isClosed()) {
      return;
    }
    monitors.decrementAndGet();
    watched.remove(pid); // a pid dies once: every monitor of it fires now
    ClientMailbox box = defaultMailbox();
    session.deliverToClient(box.pid, Mailbox.down(ref, pid, reason));
  }

  void processEnded(LocalProcess p) {
    if (processes.remove(p)) {
      releaseProcessSlot();
    }
  }

  int processCount() {
    return processes.size();
  }

  /** Counts a refused operation and audits it (every one at first, then a sample). */
  private void refused(Verb v, Term target, String owner, String reason) {
    long n = refusals.incrementAndGet();
    if (n <= AUDIT_FIRST || n % AUDIT_EVERY == 0) {
      AuditLog.processRefused(session.user, session.keyFingerprint, session.remoteAddress, v.word(),
          target.toString(), owner, reason, n);
    }
  }

  /**
   * The channel closed: its processes exit with {@code noconnection} (their monitors get {@code
   * DOWN}), its mailboxes die, and its monitors are dropped.
   */
  void close() {
    for (LocalProcess p : List.copyOf(processes)) {
      p.kill(NOCONNECTION);
    }
    List<ClientMailbox> boxes;
    synchronized (mailboxes) {
      boxes = List.copyOf(mailboxes);
      mailboxes.clear();
    }
    for (ClientMailbox b : boxes) {
      b.markDead(NOCONNECTION);
    }
    for (Mailbox m : watched.values()) {
      m.demonitorAll(this);
    }
    watched.clear();
  }

  /** What a process factory sees of the spawn that starts it. */
  private final class SpawnContext implements CallContext {
    private final Instant deadline;

    SpawnContext(Instant deadline) {
      this.deadline = deadline;
    }

    @Override
    public String user() {
      return session.user;
    }

    @Override
    public String keyFingerprint() {
      return session.keyFingerprint;
    }

    @Override
    public SocketAddress remoteAddress() {
      return session.remoteAddress;
    }

    @Override
    public Optional<Instant> deadline() {
      return Optional.ofNullable(deadline);
    }

    @Override
    public boolean isCancelled() {
      return session.isClosed();
    }
  }
}
