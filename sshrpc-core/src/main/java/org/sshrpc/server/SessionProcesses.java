package org.sshrpc.server;

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
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.ServerMessage;

/**
 * The process room of one channel: the v2 process operations ({@code spawn}, {@code send},
 * {@code register}, {@code whereis}, {@code monitor}, {@code mailbox}, {@code exit}), the
 * processes and mailboxes the channel owns and the monitors it holds. One per {@link RpcSession};
 * it reaches the channel only through {@link RpcSession#send(Term)} (replies) and {@link
 * RpcSession#deliverToClient} (messages and {@code DOWN}s for the client).
 */
final class SessionProcesses {
  /** Mailboxes and processes one channel may hold at once. */
  static final int MAX_PROCESSES = 1000;

  static final int MAX_MONITORS = 10_000;

  private static final ErlAtom NOCONNECTION = ErlAtom.of("noconnection");
  private static final ErlAtom BADARG = ErlAtom.of("badarg");

  final RpcSession session;
  private final RpcService service;

  // Processes and mailboxes this channel owns; monitors it holds.
  private final Set<LocalProcess> processes = ConcurrentHashMap.newKeySet();
  private final Map<ErlPid, Mailbox> watched = new ConcurrentHashMap<>();
  private final AtomicInteger monitors = new AtomicInteger();
  private volatile ClientMailbox defaultMailbox;
  private final List<ClientMailbox> mailboxes = new ArrayList<>(); // guarded by itself

  SessionProcesses(RpcSession session) {
    this.session = session;
    this.service = session.service;
  }

  /** The channel's SSH user. */
  String user() {
    return session.user;
  }

  /**
   * Handles one process message; returns false (and does nothing) for any other message. Runs on
   * the thread that processes the channel's input.
   */
  boolean handle(ClientMessage msg) {
    if (msg instanceof ClientMessage.Spawn s) {
      spawn(s);
    } else if (msg instanceof ClientMessage.Send s) {
      Mailbox m = service.processes.resolve(s.destination());
      if (m != null) {
        m.deliver(s.message());
      }
    } else if (msg instanceof ClientMessage.Register r) {
      Mailbox m = service.processes.get(r.pid());
      boolean ok = m != null && m.owner == this && service.processes.register(r.name(), r.pid());
      session.send(ok ? ServerMessage.Reply.ok(r.id(), ErlAtom.TRUE).toTerm() : ServerMessage.Reply.error(r.id(), BADARG).toTerm());
    } else if (msg instanceof ClientMessage.Whereis w) {
      ErlPid p = service.processes.whereis(w.name());
      session.send(ServerMessage.Reply.ok(w.id(), p == null ? ErlAtom.UNDEFINED : p).toTerm());
    } else if (msg instanceof ClientMessage.Monitor mo) {
      if (monitors.get() >= MAX_MONITORS) {
        session.send(Outcome.refused(Outcome.OVERLOADED).v2Reply(mo.id()).toTerm());
        return true;
      }
      ErlRef ref = service.processes.newRef();
      session.send(ServerMessage.Reply.ok(mo.id(), ref).toTerm());
      monitors.incrementAndGet(); // given back when its DOWN is delivered
      Mailbox target = service.processes.get(mo.pid());
      if (target == null) {
        deliverDown(ref, mo.pid(), ErlAtom.of("noproc"));
      } else {
        watched.put(target.pid, target);
        target.monitor(ref, this);
      }
    } else if (msg instanceof ClientMessage.Mailbox mb) {
      ClientMailbox box = newMailbox();
      session.send(box == null
          ? Outcome.refused(Outcome.OVERLOADED).v2Reply(mb.id()).toTerm()
          : ServerMessage.Reply.ok(mb.id(), box.pid).toTerm());
    } else if (msg instanceof ClientMessage.Exit x) {
      Mailbox m = service.processes.get(x.pid());
      if (m == null) {
        session.send(ServerMessage.Reply.ok(x.id(), ErlAtom.TRUE).toTerm()); // already dead, as exit/2
      } else if (m.owner != this || !(m instanceof LocalProcess)) {
        session.send(ServerMessage.Reply.error(x.id(), BADARG).toTerm());
      } else {
        ((LocalProcess) m).kill(x.reason());
        session.send(ServerMessage.Reply.ok(x.id(), ErlAtom.TRUE).toTerm());
      }
    } else {
      return false;
    }
    return true;
  }

  private void spawn(ClientMessage.Spawn s) {
    if (processes.size() >= MAX_PROCESSES) {
      session.send(Outcome.refused(Outcome.OVERLOADED).v2Reply(s.id()).toTerm());
      return;
    }
    long received = System.nanoTime();
    SpawnContext ctx = new SpawnContext(spawnDeadline());
    Outcome[] refusal = new Outcome[1];
    RpcModule.Entry e = service.resolve(ctx, s.module(), s.function(), s.args(), refusal);
    if (e == null || e.process() == null) {
      Outcome o = refusal[0] != null ? refusal[0] : Outcome.raised(RpcService.undef(s.module(), s.function(), s.args()));
      auditSpawn(s, o, received);
      session.send(o.v2Reply(s.id()).toTerm());
      return;
    }
    ProcessFactory factory = e.process();
    try {
      service.executor.execute(() -> {
        Outcome o;
        try {
          RpcProcess impl = factory.start(ctx, s.args().elements());
          if (impl == null) {
            throw new NullPointerException("process factory returned null");
          }
          LocalProcess p = new LocalProcess(service, this, impl);
          if (session.isClosed()) {
            o = Outcome.refused(NOCONNECTION);
          } else {
            processes.add(p);
            service.processes.add(p);
            if (session.isClosed()) { // raced with close(): do not leak it
              p.kill(NOCONNECTION);
            }
            o = Outcome.ok(p.pid);
          }
        } catch (ErlangException ex) {
          o = Outcome.raised(ex.reason());
        } catch (Exception | StackOverflowError | LinkageError | OutOfMemoryError ex) {
          o = Outcome.raised(RpcService.javaException(ex.getClass().getName(), ex.getMessage()));
        }
        auditSpawn(s, o, received);
        session.send(o.v2Reply(s.id()).toTerm());
      });
    } catch (RejectedExecutionException ex) {
      auditSpawn(s, Outcome.refused(Outcome.OVERLOADED), received);
      session.send(Outcome.refused(Outcome.OVERLOADED).v2Reply(s.id()).toTerm());
    }
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

  private ClientMailbox newMailbox() {
    synchronized (mailboxes) {
      if (mailboxes.size() >= MAX_PROCESSES || session.isClosed()) {
        return null;
      }
      ClientMailbox box = new ClientMailbox(service.processes, this);
      mailboxes.add(box);
      service.processes.add(box);
      return box;
    }
  }

  private ClientMailbox defaultMailbox() {
    ClientMailbox box = defaultMailbox;
    if (box == null) {
      synchronized (mailboxes) {
        box = defaultMailbox;
        if (box == null) {
          box = new ClientMailbox(service.processes, this);
          mailboxes.add(box);
          service.processes.add(box);
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
    processes.remove(p);
  }

  int processCount() {
    return processes.size();
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
