package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class UserLanesTest {
  private final ThreadPoolExecutor pool =
      new ThreadPoolExecutor(4, 4, 1, TimeUnit.SECONDS, new ArrayBlockingQueue<>(100));

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void aUserHoldsAtMostItsShareOthersRunAtOnce() throws Exception {
    UserLanes lanes = new UserLanes(pool, 2, 100);
    CountDownLatch hold = new CountDownLatch(1);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    for (int i = 0; i < 10; i++) {
      lanes.submit("mallory", () -> {
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
          hold.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        running.decrementAndGet();
      }, () -> {});
    }
    for (int i = 0; i < 1000 && running.get() < 2; i++) {
      Thread.sleep(10); // the pool's threads start mallory's share
    }
    assertEquals(2, running.get(), "mallory's share is running");
    CountDownLatch bobRan = new CountDownLatch(1);
    lanes.submit("bob", bobRan::countDown, () -> {});
    assertTrue(bobRan.await(10, TimeUnit.SECONDS), "bob waited behind mallory");
    hold.countDown();
    for (int i = 0; i < 500 && lanes.activeUsers() > 0; i++) {
      Thread.sleep(10);
    }
    assertEquals(2, maxRunning.get());
    assertEquals(0, lanes.activeUsers());
  }

  @Test
  void aFullLaneRejectsAndACancelledWaitingTaskNeverRuns() throws Exception {
    UserLanes lanes = new UserLanes(pool, 1, 2);
    CountDownLatch hold = new CountDownLatch(1);
    lanes.submit("u", () -> {
      try {
        hold.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, () -> {});
    AtomicInteger ran = new AtomicInteger();
    FutureTask<?> waiting = lanes.submit("u", ran::incrementAndGet, () -> {});
    CountDownLatch last = new CountDownLatch(1);
    lanes.submit("u", last::countDown, () -> {});
    assertThrows(RejectedExecutionException.class, () -> lanes.submit("u", () -> {}, () -> {}));
    waiting.cancel(true);
    hold.countDown();
    assertTrue(last.await(10, TimeUnit.SECONDS));
    assertEquals(0, ran.get());
  }
}
