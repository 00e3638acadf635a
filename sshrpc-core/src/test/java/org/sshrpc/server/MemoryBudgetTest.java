package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  @Test
  void eachLevelRefusesWhatDoesNotFitAndSaysWhich() {
    MemoryBudget b = new MemoryBudget(100_000, 40_000, 25_000);
    Object conn1 = new Object();
    MemoryBudget.Account a = b.open("alice", conn1);
    assertTrue(a.tryCharge(20_000));
    assertFalse(a.tryCharge(10_000));
    assertEquals("connection memory budget exhausted: 10000 bytes requested, 20000 of 25000 in use",
        a.lastRefusal().toString());
    MemoryBudget.Account a2 = b.open("alice", new Object());
    assertTrue(a2.tryCharge(20_000));
    assertFalse(a2.tryCharge(5_000));
    assertEquals("user alice memory budget exhausted: 5000 bytes requested, 40000 of 40000 in use",
        a2.lastRefusal().toString());
    MemoryBudget.Account bob = b.open("bob", new Object());
    MemoryBudget.Account carol = b.open("carol", new Object());
    assertTrue(bob.tryCharge(25_000));
    assertTrue(carol.tryCharge(25_000));
    MemoryBudget.Account dave = b.open("dave", new Object());
    assertFalse(dave.tryCharge(15_000));
    assertEquals("node", dave.lastRefusal().level());
    // A refused charge leaves every level as it was.
    assertEquals(90_000, b.used());
    assertEquals(40_000, b.usedBy("alice"));
  }

  @Test
  void underHeapPressureLargeChargesAreRefusedSmallOnesPass() {
    java.util.concurrent.atomic.AtomicBoolean pressure = new java.util.concurrent.atomic.AtomicBoolean(true);
    MemoryBudget b = new MemoryBudget(1 << 30, 1 << 30, 1 << 30, pressure::get);
    MemoryBudget.Account a = b.open("u", new Object());
    assertFalse(a.tryCharge(MemoryBudget.SMALL + 1));
    assertTrue(a.lastRefusal().level().startsWith("heap"), a.lastRefusal().toString());
    assertTrue(a.tryCharge(MemoryBudget.SMALL));
    pressure.set(false);
    assertTrue(a.tryCharge(1 << 20));
  }

  @Test
  void smallChargesAlwaysPassAndAreCounted() {
    MemoryBudget b = new MemoryBudget(10_000, 10_000, 10_000);
    MemoryBudget.Account a = b.open("u", new Object());
    for (int i = 0; i < 10; i++) {
      assertTrue(a.tryCharge(MemoryBudget.SMALL));
    }
    assertEquals(10L * MemoryBudget.SMALL, b.used());
    assertTrue(a.exhausted());
    assertFalse(a.tryCharge(MemoryBudget.SMALL + 1));
  }

  @Test
  void closeGivesEverythingBackOnceAndForgetsIdleUsers() {
    MemoryBudget b = new MemoryBudget(1 << 20, 1 << 20, 1 << 20);
    Object conn = new Object();
    MemoryBudget.Account a = b.open("u", conn);
    MemoryBudget.Account a2 = b.open("u", conn);
    a.tryCharge(50_000);
    a2.force(7);
    a.close();
    a.close();
    a.release(50_000); // late release after close: must not go negative
    assertEquals(7, b.used());
    assertEquals(1, b.trackedUsers());
    a2.close();
    assertEquals(0, b.used());
    assertEquals(0, b.trackedUsers());
  }

  @Test
  void concurrentChargesNeverOvershootAndBalance() throws Exception {
    MemoryBudget b = new MemoryBudget(1_000_000, 1_000_000, 1_000_000);
    int threads = 4;
    CountDownLatch go = new CountDownLatch(1);
    AtomicLong maxSeen = new AtomicLong();
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long seed = t;
      MemoryBudget.Account a = b.open("u" + (t % 2), "c" + t);
      Thread th = new Thread(() -> {
        SplittableRandom r = new SplittableRandom(seed);
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 20_000; i++) {
          long n = MemoryBudget.SMALL + 1 + r.nextInt(100_000);
          if (a.tryCharge(n)) {
            maxSeen.accumulateAndGet(b.used(), Math::max);
            a.release(n);
          }
        }
        a.close();
      });
      ts.add(th);
      th.start();
    }
    go.countDown();
    for (Thread th : ts) {
      th.join();
    }
    assertTrue(maxSeen.get() <= 1_000_000, "max " + maxSeen.get());
    assertEquals(0, b.used());
    assertEquals(0, b.trackedUsers());
  }
}
