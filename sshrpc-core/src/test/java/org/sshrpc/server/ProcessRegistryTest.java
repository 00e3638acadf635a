package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;

class ProcessRegistryTest {
  private final ProcessRegistry reg = new ProcessRegistry(ErlAtom.of("sshrpc@test"));

  /** A mailbox with no channel behind it. */
  private static final class Box extends Mailbox {
    Box(ProcessRegistry r, String user) {
      super(r, null, r.account(user), true);
    }

    @Override
    void deliver(Term message) {}

    @Override
    boolean acceptsFrom(String sender, AccessPolicy policy) {
      return false;
    }
  }

  private Box live(String user) {
    assertTrue(reg.reservePid(reg.account(user)));
    Box b = new Box(reg, user);
    assertTrue(reg.add(b));
    return b;
  }

  @Test
  void pidsAndRefsAreRandomDistinctAndWireValid() throws Exception {
    Set<Long> seen = new HashSet<>();
    ErlPid prev = null;
    int close = 0;
    for (int i = 0; i < 10_000; i++) {
      ErlPid p = reg.newPid();
      long v = p.id() | p.serial() << 32;
      assertTrue(seen.add(v), "repeated pid " + p);
      if (prev != null && Math.abs(v - (prev.id() | prev.serial() << 32)) < 1 << 20) {
        close++;
      }
      prev = p;
      assertEquals(p, TermDecoder.DEFAULT.decode(TermEncoder.DEFAULT.encode(p)));
    }
    assertTrue(close == 0, close + " consecutive pids within 2^20 of each other");
    ErlRef r1 = reg.newRef();
    ErlRef r2 = reg.newRef();
    assertEquals(3, r1.ids().length);
    assertTrue(!r1.equals(r2));
    assertEquals(r1, TermDecoder.DEFAULT.decode(TermEncoder.DEFAULT.encode(r1)));
  }

  @Test
  void namesAreScopedPerUserAndRemovedWithTheirPid() {
    Box alice = live("alice");
    Box mallory = live("mallory");
    ErlAtom name = ErlAtom.of("counter");
    assertEquals(ProcessRegistry.Registration.OK, reg.register(name, mallory, false));
    assertEquals(ProcessRegistry.Registration.OK, reg.register(name, alice, false), "mallory's name is in mallory's scope");
    assertSame(alice, reg.whereis(reg.account("alice"), name));
    assertSame(mallory, reg.whereis(reg.account("mallory"), name));
    assertNull(reg.whereis(reg.account("carol"), name));
    assertNull(reg.whereisPublic(name));
    // one name per pid, one pid per name, never 'undefined'
    Box alice2 = live("alice");
    assertEquals(ProcessRegistry.Registration.BADARG, reg.register(name, alice2, false));
    assertEquals(ProcessRegistry.Registration.BADARG, reg.register(ErlAtom.of("other"), alice, false));
    assertEquals(ProcessRegistry.Registration.BADARG, reg.register(ErlAtom.UNDEFINED, alice2, false));
    // death removes the pid and its name, and gives back the counts
    assertEquals(2, reg.account("alice").pidCount.get());
    assertEquals(1, reg.account("alice").nameCount.get());
    alice.markDead(ErlAtom.of("normal"));
    assertNull(reg.get(alice.pid));
    assertNull(reg.whereis(reg.account("alice"), name));
    assertEquals(1, reg.account("alice").pidCount.get());
    assertEquals(0, reg.account("alice").nameCount.get());
    assertEquals(ProcessRegistry.Registration.OK, reg.register(name, alice2, false));
    assertEquals(ProcessRegistry.Registration.BADARG, reg.register(ErlAtom.of("late"), alice, false), "a dead pid gets no name");
  }

  @Test
  void publicNamesAreOneNodeWideScope() {
    Box alice = live("alice");
    Box bob = live("bob");
    ErlAtom name = ErlAtom.of("log_sink");
    assertEquals(ProcessRegistry.Registration.OK, reg.register(name, alice, true));
    assertEquals(ProcessRegistry.Registration.BADARG, reg.register(name, bob, true), "taken node-wide");
    assertSame(alice, reg.whereisPublic(name));
    assertNull(reg.whereis(reg.account("alice"), name), "not in alice's own scope");
    assertEquals(1, reg.account("alice").nameCount.get(), "a public name counts against its owner");
    alice.markDead(ErlAtom.of("normal"));
    assertNull(reg.whereisPublic(name));
    assertEquals(ProcessRegistry.Registration.OK, reg.register(name, bob, true));
  }

  @Test
  void nameCapIsPerUserAndCountedBeforeInsertion() {
    reg.limits(new ProcessLimits(1000, 1000, 10_000, 10_000, 3));
    List<Box> boxes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Box b = live("alice");
      boxes.add(b);
      assertEquals(ProcessRegistry.Registration.OK, reg.register(ErlAtom.of("n" + i), b, false));
    }
    Box extra = live("alice");
    assertEquals(ProcessRegistry.Registration.LIMIT, reg.register(ErlAtom.of("n3"), extra, false));
    assertEquals(ProcessRegistry.Registration.LIMIT, reg.register(ErlAtom.of("pub"), extra, true));
    assertEquals(3, reg.account("alice").nameCount.get(), "a refused name is not counted");
    assertEquals(ProcessRegistry.Registration.OK, reg.register(ErlAtom.of("n0"), live("bob"), false));
    boxes.get(0).markDead(ErlAtom.of("normal"));
    assertEquals(ProcessRegistry.Registration.OK, reg.register(ErlAtom.of("n3"), extra, false));
  }

  @Test
  void concurrentReservationsAndRegistrationsNeverOvershoot() throws Exception {
    int limit = 50;
    reg.limits(new ProcessLimits(1000, 1000, 10_000, limit, limit));
    int threads = 8;
    int perThread = 40;
    AtomicInteger pids = new AtomicInteger();
    AtomicInteger names = new AtomicInteger();
    AtomicInteger maxSeen = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    List<Box> made = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      Random r = new Random(1000 + t); // seeded: the same interleaving pressure each run
      int id = t;
      Thread th = new Thread(() -> {
        try {
          go.await();
          for (int i = 0; i < perThread; i++) {
            ProcessRegistry.UserAccount a = reg.account("carol");
            if (reg.reservePid(a)) {
              pids.incrementAndGet();
              maxSeen.accumulateAndGet(a.pidCount.get(), Math::max);
              Box b = new Box(reg, "carol");
              reg.add(b);
              made.add(b);
              if (reg.register(ErlAtom.of("t" + id + "_" + i), b, r.nextBoolean()) == ProcessRegistry.Registration.OK) {
                names.incrementAndGet();
              }
            }
            if (r.nextInt(4) == 0 && !made.isEmpty()) {
              Box victim;
              synchronized (made) {
                victim = made.isEmpty() ? null : made.remove(r.nextInt(made.size()));
              }
              if (victim != null && victim.markDead(ErlAtom.of("normal"))) {
                pids.decrementAndGet();
              }
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      ts.add(th);
      th.start();
    }
    go.countDown();
    for (Thread th : ts) {
      th.join(30_000);
    }
    ProcessRegistry.UserAccount carol = reg.account("carol");
    assertTrue(maxSeen.get() <= limit, "pids of one user reached " + maxSeen.get() + " (limit " + limit + ")");
    assertEquals(pids.get(), carol.pidCount.get(), "every reservation given back exactly once");
    assertTrue(carol.nameCount.get() <= limit);
    int alive = 0;
    for (Box b : made) {
      alive += b.isAlive() ? 1 : 0;
    }
    assertEquals(alive, carol.pidCount.get());
  }

  @Test
  void limitsMustBePositive() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ProcessLimits(0, 1, 1, 1, 1));
    assertEquals("processesPerChannel: 0 (expected: >= 1)", e.getMessage());
  }
}
