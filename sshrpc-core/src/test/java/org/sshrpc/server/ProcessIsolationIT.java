package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.Messages;
import org.sshrpc.wire.ServerMessage;

/**
 * The process layer has owners (issue 10, reproduction 4), over real SSH on loopback. alice has
 * every right; mallory's key is allowed nothing but {@code sshrpc:ping/0}; carol may use her own
 * processes but has no rule about anyone else's; bob has explicit cross-user rules towards alice.
 * Every attack of the reproduction fails while alice's own operations work and her counter keeps
 * its state.
 */
@Timeout(120)
class ProcessIsolationIT {
  static final String POLICY =
      "allow user=mallory sshrpc:ping/0\n"
          + "allow user=alice register public=log_sink\n"
          + "allow user=bob,carol whereis send public=log_sink\n"
          + "allow user=bob send monitor to=alice\n"
          + "allow user=alice receive from=bob\n"
          + "allow user=alice,bob,carol *\n";

  @TempDir Path dir;
  private ServerFixture fx;
  private KeyPair malloryKey;
  private KeyPair carolKey;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> audit = new ConcurrentLinkedQueue<>();

  /**
   * {@code sink:start(Forward)}: a process of its spawner that accepts messages from bob (and
   * only bob among other users) and forwards each to {@code Forward}. {@code slow:start()}: a
   * process whose factory takes a few milliseconds (seeded), to widen spawn races.
   */
  private static RpcModule sinkModule() {
    return RpcModule.builder("sink")
        .process("start", 1, (ctx, args) -> {
          Term forward = args.get(0);
          return new RpcProcess() {
            @Override
            public void receive(ProcessContext p, Term message) {
              p.send(forward, message);
            }

            @Override
            public boolean acceptsFrom(String user) {
              return user.equals("bob");
            }
          };
        })
        .build();
  }

  private static RpcModule slowModule(long seed) {
    Random r = new Random(seed);
    return RpcModule.builder("slow")
        .process("start", 0, (ctx, args) -> {
          int ms;
          synchronized (r) {
            ms = r.nextInt(6);
          }
          Thread.sleep(ms);
          return (p, m) -> {};
        })
        .build();
  }

  @BeforeEach
  void start() throws Exception {
    fx = new ServerFixture(dir, b -> b.policy(AccessPolicy.parse(POLICY))
        .module(sinkModule()).module(slowModule(42)).executorThreads(16));
    malloryKey = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    carolKey = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    fx.authorize("sshrpc-user=\"mallory\" " + PublicKeyEntry.toString(malloryKey.getPublic()));
    fx.authorize("sshrpc-user=\"carol\" " + PublicKeyEntry.toString(carolKey.getPublic()));
    AuditLog.tap = audit::add;
  }

  @AfterEach
  void stop() throws Exception {
    AuditLog.tap = null;
    for (AutoCloseable c : toClose) {
      c.close();
    }
    fx.close();
  }

  private RawClient.Channel v2(String user) throws Exception {
    KeyPair key = switch (user) {
      case "alice" -> fx.aliceKey;
      case "bob" -> fx.bobKey;
      case "mallory" -> malloryKey;
      case "carol" -> carolKey;
      default -> throw new IllegalArgumentException(user);
    };
    RawClient c = RawClient.connect(fx, user, key);
    toClose.add(c);
    RawClient.Channel ch = c.open();
    ch.send(new Hello(2, ErlMap.of(atom("client"), binary("ProcessIsolationIT"))).toTerm());
    assertTrue(Messages.parseServerMessage(ch.read()) instanceof Hello);
    return ch;
  }

  private static ServerMessage read(RawClient.Channel ch) throws Exception {
    return Messages.parseServerMessage(ch.read());
  }

  private static Term ask(RawClient.Channel ch, ClientMessage m) throws Exception {
    ch.send(m.toTerm());
    return ((ServerMessage.Reply) read(ch)).value();
  }

  private static ServerMessage.Reply askReply(RawClient.Channel ch, ClientMessage m) throws Exception {
    ch.send(m.toTerm());
    return (ServerMessage.Reply) read(ch);
  }

  /** A ping round trip: everything this channel sent before it has been processed. */
  private static void sync(RawClient.Channel ch, long id) throws Exception {
    ch.send(new ClientMessage.Call(id, atom("sshrpc"), atom("ping"), ErlList.NIL, -1).toTerm());
    assertEquals(ServerMessage.Reply.ok(id, atom("pong")), read(ch));
  }

  /** alice's setup: a mailbox, a counter at 5 registered as alice_counter. */
  private record Alice(RawClient.Channel ch, ErlPid me, ErlPid counter) {
    void expectCount(long id, int n) throws Exception {
      ch.send(new ClientMessage.Send(counter, tuple(atom("get"), me)).toTerm());
      assertEquals(new ServerMessage.Deliver(me, tuple(atom("count"), integer(n))), read(ch),
          "alice's next message is her own count: nothing forged arrived, her counter kept its state");
    }
  }

  private Alice alice() throws Exception {
    RawClient.Channel ch = v2("alice");
    ErlPid me = (ErlPid) ask(ch, new ClientMessage.Mailbox(1));
    ErlPid counter = (ErlPid) ask(ch, new ClientMessage.Spawn(2, atom("sshrpc_counter"), atom("start"), list(integer(0))));
    assertEquals(ErlAtom.TRUE, ask(ch, new ClientMessage.Register(3, atom("alice_counter"), counter)));
    ch.send(new ClientMessage.Send(atom("alice_counter"), tuple(atom("add"), integer(5))).toTerm());
    Alice a = new Alice(ch, me, counter);
    a.expectCount(4, 5);
    return a;
  }

  private static ServerMessage.Reply denied(long id, String verb) {
    return ServerMessage.Reply.error(id, tuple(atom("sshrpc_denied"), atom(verb)));
  }

  @Test
  void aKeyAllowedOnlyPingIsRefusedEveryProcessOperation() throws Exception {
    Alice alice = alice();
    RawClient.Channel m = v2("mallory");
    assertEquals(denied(1, "whereis"), askReply(m, new ClientMessage.Whereis(1, atom("alice_counter"))));
    assertEquals(denied(2, "mailbox"), askReply(m, new ClientMessage.Mailbox(2)));
    assertEquals(ServerMessage.Reply.error(3, tuple(atom("sshrpc_denied"), tuple(atom("sshrpc_counter"), atom("start"), integer(1)))),
        askReply(m, new ClientMessage.Spawn(3, atom("sshrpc_counter"), atom("start"), list(integer(0)))));
    assertEquals(denied(4, "register"), askReply(m, new ClientMessage.Register(4, atom("alice_counter"), alice.counter)));
    // the same answer for alice's live counter and for a pid that does not exist
    assertEquals(denied(5, "monitor"), askReply(m, new ClientMessage.Monitor(5, alice.counter)));
    assertEquals(denied(6, "exit"), askReply(m, new ClientMessage.Exit(6, alice.counter, atom("kill"))));
    // messages to her counter (change its state, stop it) and a forged one to her mailbox vanish
    m.send(new ClientMessage.Send(alice.counter, tuple(atom("add"), integer(1000))).toTerm(),
        new ClientMessage.Send(alice.counter, atom("stop")).toTerm(),
        new ClientMessage.Send(alice.counter, tuple(atom("get"), alice.me)).toTerm(),
        new ClientMessage.Send(alice.me, tuple(atom("count"), integer(666))).toTerm(),
        new ClientMessage.Send(atom("alice_counter"), tuple(atom("add"), integer(1000))).toTerm());
    sync(m, 7);
    alice.expectCount(10, 5);
    assertTrue(audit.stream().anyMatch(l -> (" " + l).contains(" process_refused user=mallory ") && l.contains(" op=send ")
        && l.contains(" owner=alice reason=policy ")), String.join("\n", audit));
    // alice's own operations still work
    ErlRef ref = (ErlRef) ask(alice.ch, new ClientMessage.Monitor(11, alice.counter));
    alice.ch.send(new ClientMessage.Exit(12, alice.counter, atom("done")).toTerm());
    Set<Object> got = new HashSet<>();
    for (int i = 0; i < 2; i++) { // the DOWN may come before the reply
      ServerMessage sm = read(alice.ch);
      got.add(sm instanceof ServerMessage.Deliver d ? d.message() : sm);
    }
    assertEquals(Set.of(ServerMessage.Reply.ok(12, ErlAtom.TRUE),
        tuple(atom("DOWN"), ref, atom("process"), alice.counter, atom("done"))), got);
  }

  @Test
  void aTenantWithOwnProcessRightsStillCannotReachAnotherUsersProcesses() throws Exception {
    Alice alice = alice();
    RawClient.Channel c = v2("carol");
    // whereis looks in carol's own scope only
    assertEquals(ErlAtom.UNDEFINED, ask(c, new ClientMessage.Whereis(1, atom("alice_counter"))));
    // monitoring alice's counter looks exactly like monitoring a dead pid
    ErlRef ref = (ErlRef) ask(c, new ClientMessage.Monitor(2, alice.counter));
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), alice.counter, atom("noproc")), ((ServerMessage.Deliver) read(c)).message());
    // stopping or naming it: badarg, as for a process that is not hers
    assertEquals(ServerMessage.Reply.error(3, atom("badarg")), askReply(c, new ClientMessage.Exit(3, alice.counter, atom("kill"))));
    assertEquals(ServerMessage.Reply.error(4, atom("badarg")), askReply(c, new ClientMessage.Register(4, atom("x"), alice.counter)));
    // messages to her counter and to her mailbox vanish
    ErlPid carolBox = (ErlPid) ask(c, new ClientMessage.Mailbox(5));
    c.send(new ClientMessage.Send(alice.counter, tuple(atom("add"), integer(1000))).toTerm(),
        new ClientMessage.Send(alice.counter, tuple(atom("get"), carolBox)).toTerm(),
        new ClientMessage.Send(alice.counter, atom("stop")).toTerm(),
        new ClientMessage.Send(alice.me, tuple(atom("count"), integer(666))).toTerm());
    sync(c, 6);
    alice.expectCount(7, 5);
    // carol's own processes work
    ErlPid echo = (ErlPid) ask(c, new ClientMessage.Spawn(8, atom("sshrpc_echo_proc"), atom("start"), ErlList.NIL));
    c.send(new ClientMessage.Send(echo, tuple(carolBox, atom("mine"))).toTerm());
    assertEquals(new ServerMessage.Deliver(carolBox, atom("mine")), read(c));
    // ... but her process cannot reach alice's either (process sends follow the owner's rules)
    c.send(new ClientMessage.Send(echo, tuple(alice.me, atom("forged_by_process"))).toTerm());
    sync(c, 9);
    alice.expectCount(10, 5);
  }

  @Test
  void aNameRegisteredFirstInAnotherScopeDoesNotCaptureSends() throws Exception {
    RawClient.Channel c = v2("carol");
    ErlPid carolBox = (ErlPid) ask(c, new ClientMessage.Mailbox(1));
    assertEquals(ErlAtom.TRUE, ask(c, new ClientMessage.Register(2, atom("alice_counter"), carolBox)));
    Alice alice = alice(); // registers alice_counter after carol did: her own scope, so true
    alice.ch.send(new ClientMessage.Send(atom("alice_counter"), tuple(atom("add"), integer(2))).toTerm());
    alice.expectCount(5, 7);
    assertEquals(alice.counter, ask(alice.ch, new ClientMessage.Whereis(6, atom("alice_counter"))));
    assertEquals(carolBox, ask(c, new ClientMessage.Whereis(3, atom("alice_counter"))));
    // carol's mailbox got none of alice's messages: its next delivery is carol's own
    c.send(new ClientMessage.Send(carolBox, atom("own")).toTerm());
    assertEquals(new ServerMessage.Deliver(carolBox, atom("own")), read(c));
  }

  @Test
  void pidsAndRefsAreNotSequentialAndANeighbourPidReachesNothing() throws Exception {
    RawClient.Channel a = v2("alice");
    ErlPid me = (ErlPid) ask(a, new ClientMessage.Mailbox(1));
    List<ErlPid> pids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      pids.add((ErlPid) ask(a, new ClientMessage.Spawn(10 + i, atom("sshrpc_echo_proc"), atom("start"), ErlList.NIL)));
    }
    Set<Long> values = new HashSet<>();
    for (int i = 0; i < pids.size(); i++) {
      ErlPid p = pids.get(i);
      values.add(p.id() | p.serial() << 32);
      if (i > 0) {
        ErlPid q = pids.get(i - 1);
        long delta = (p.id() | p.serial() << 32) - (q.id() | q.serial() << 32);
        assertFalse(Math.abs(delta) < 1 << 16, "consecutive pids " + q + " and " + p + " are close");
      }
    }
    assertEquals(pids.size(), values.size());
    ErlRef r1 = (ErlRef) ask(a, new ClientMessage.Monitor(30, pids.get(0)));
    ErlRef r2 = (ErlRef) ask(a, new ClientMessage.Monitor(31, pids.get(1)));
    assertNotEquals(r1.ids()[0] + 1, r2.ids()[0]);
    // The pid after an echo's (id + 1) is no process: what is sent there comes back from nobody.
    ErlPid echo = pids.get(0);
    ErlPid next = ErlPid.of(echo.node(), (echo.id() + 1) & 0xFFFFFFFFL, echo.serial(), echo.creation());
    a.send(new ClientMessage.Send(next, tuple(me, atom("guessed"))).toTerm(),
        new ClientMessage.Send(echo, tuple(me, atom("real"))).toTerm());
    assertEquals(new ServerMessage.Deliver(me, atom("real")), read(a));
  }

  @Test
  void concurrentSpawnsNeverExceedTheLimits() throws Exception {
    int perChannel = 40;
    int perUser = 60;
    fx.server.service().processes.limits(new ProcessLimits(perChannel, 1000, 10_000, perUser, 1000));
    RawClient.Channel c1 = v2("carol");
    RawClient.Channel c2 = v2("carol");
    int n = 100;
    Term[] batch = new Term[n];
    for (int i = 0; i < n; i++) {
      batch[i] = new ClientMessage.Spawn(i, atom("slow"), atom("start"), ErlList.NIL).toTerm();
    }
    // Every spawn is accepted for starting before any factory has finished: the limits must be
    // counted at acceptance, not after the process exists.
    c1.send(batch);
    c2.send(batch);
    int ok1 = countOk(c1, n);
    int ok2 = countOk(c2, n);
    assertTrue(ok1 <= perChannel && ok2 <= perChannel, ok1 + " and " + ok2 + " processes on channels limited to " + perChannel);
    assertEquals(perUser, ok1 + ok2, "carol's processes across her channels, limited to " + perUser);
    assertEquals(perUser, fx.server.service().processes.account("carol").pidCount.get());
    // another user is not affected by carol's use
    RawClient.Channel a = v2("alice");
    assertTrue(askReply(a, new ClientMessage.Spawn(1, atom("slow"), atom("start"), ErlList.NIL)).ok());
  }

  private static int countOk(RawClient.Channel ch, int n) throws Exception {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      ServerMessage.Reply r = (ServerMessage.Reply) read(ch);
      if (r.ok()) {
        ok++;
      } else {
        assertEquals(atom("overloaded"), r.value());
      }
    }
    return ok;
  }

  @Test
  void registeredNamesAreCappedPerUserAndGivenBackWhenTheirProcessesGo() throws Exception {
    int cap = 20;
    fx.server.service().processes.limits(new ProcessLimits(1000, 1000, 10_000, 10_000, cap));
    RawClient.Channel c1 = v2("carol");
    RawClient.Channel c2 = v2("carol");
    for (int i = 0; i < cap; i++) {
      RawClient.Channel ch = i % 2 == 0 ? c1 : c2;
      ErlPid box = (ErlPid) ask(ch, new ClientMessage.Mailbox(100 + i));
      assertEquals(ErlAtom.TRUE, ask(ch, new ClientMessage.Register(200 + i, atom("n" + i), box)), "name " + i);
    }
    ErlPid extra = (ErlPid) ask(c1, new ClientMessage.Mailbox(300));
    assertEquals(ServerMessage.Reply.error(301, atom("overloaded")), askReply(c1, new ClientMessage.Register(301, atom("extra"), extra)));
    // another user has a cap of their own
    RawClient.Channel a = v2("alice");
    ErlPid aliceBox = (ErlPid) ask(a, new ClientMessage.Mailbox(1));
    assertEquals(ErlAtom.TRUE, ask(a, new ClientMessage.Register(2, atom("n0"), aliceBox)));
    // c2's mailboxes die with it: their names are given back
    c2.close();
    ProcessRegistry.UserAccount carol = fx.server.service().processes.account("carol");
    assertTrue(HardeningFixture.eventually(java.time.Duration.ofSeconds(10), () -> carol.nameCount.get() == cap / 2),
        "names of the closed channel released: " + carol.nameCount.get());
    assertEquals(ErlAtom.TRUE, ask(c1, new ClientMessage.Register(302, atom("extra"), extra)));
  }

  @Test
  void acrossUsersOnlyWhereThePolicyAndTheReceiverBothAllow() throws Exception {
    RawClient.Channel a = v2("alice");
    ErlPid me = (ErlPid) ask(a, new ClientMessage.Mailbox(1));
    ErlPid sink = (ErlPid) ask(a, new ClientMessage.Spawn(2, atom("sink"), atom("start"), list(me)));
    ErlPid counter = (ErlPid) ask(a, new ClientMessage.Spawn(3, atom("sshrpc_counter"), atom("start"), list(integer(1))));
    assertEquals(ErlAtom.TRUE, ask(a, new ClientMessage.Register(4, atom("log_sink"), sink)));
    RawClient.Channel b = v2("bob");
    RawClient.Channel c = v2("carol");
    // a public name: found by those the policy lets look, taken only by those it lets register
    assertEquals(sink, ask(b, new ClientMessage.Whereis(1, atom("log_sink"))));
    assertEquals(sink, ask(c, new ClientMessage.Whereis(1, atom("log_sink"))));
    ErlPid carolBox = (ErlPid) ask(c, new ClientMessage.Mailbox(2));
    assertEquals(denied(3, "register"), askReply(c, new ClientMessage.Register(3, atom("log_sink"), carolBox)));
    // bob (policy: send to=alice; the sink accepts bob) reaches it by pid and by public name;
    // carol (policy: send public=log_sink, but the sink does not accept carol) does not
    c.send(new ClientMessage.Send(atom("log_sink"), atom("from_carol")).toTerm(),
        new ClientMessage.Send(sink, atom("from_carol_by_pid")).toTerm());
    sync(c, 4);
    b.send(new ClientMessage.Send(sink, atom("from_bob")).toTerm(),
        new ClientMessage.Send(atom("log_sink"), atom("from_bob_by_name")).toTerm());
    assertEquals(new ServerMessage.Deliver(me, atom("from_bob")), read(a));
    assertEquals(new ServerMessage.Deliver(me, atom("from_bob_by_name")), read(a));
    // the counter does not opt in: even bob's send (allowed by the policy) is dropped
    b.send(new ClientMessage.Send(counter, tuple(atom("add"), integer(100))).toTerm());
    sync(b, 2);
    a.send(new ClientMessage.Send(counter, tuple(atom("get"), me)).toTerm());
    assertEquals(new ServerMessage.Deliver(me, tuple(atom("count"), integer(1))), read(a));
    assertTrue(audit.stream().anyMatch(l -> (" " + l).contains(" process_refused user=bob ") && l.contains(" reason=receiver ")), String.join("\n", audit));
    // alice's mailbox accepts bob (receive from=bob) but not carol; bob may monitor alice's sink
    b.send(new ClientMessage.Send(me, atom("direct_from_bob")).toTerm());
    assertEquals(new ServerMessage.Deliver(me, atom("direct_from_bob")), read(a));
    ErlRef ref = (ErlRef) ask(b, new ClientMessage.Monitor(3, sink));
    assertEquals(ServerMessage.Reply.ok(5, ErlAtom.TRUE), askReply(a, new ClientMessage.Exit(5, sink, atom("bye"))));
    assertEquals(tuple(atom("DOWN"), ref, atom("process"), sink, atom("bye")), ((ServerMessage.Deliver) read(b)).message());
    // bob still may not stop alice's processes
    assertEquals(ServerMessage.Reply.error(4, atom("badarg")), askReply(b, new ClientMessage.Exit(4, counter, atom("kill"))));
  }
}
