package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.server.ErlangException;
import org.sshrpc.server.RpcModule;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

/**
 * Client interceptors, the client's default deadline and per-proxy call options, against a real
 * server over SSH on loopback.
 */
@Timeout(60)
class ClientInterceptorTest {
  @TempDir Path dir;

  private final AtomicInteger twiceCalls = new AtomicInteger();
  private final AtomicInteger flakyCalls = new AtomicInteger();
  /**
   * Whether each call of pkg:wait/0 had a deadline within a minute, in call order (the client's;
   * without one the server applies its own default of 5 minutes).
   */
  private final List<Boolean> waitHadDeadline = new CopyOnWriteArrayList<>();

  @RemoteModule("pkg")
  interface Pkg {
    long twice(long x);

    @RemoteFunction("wait")
    String waitForCancel();
  }

  private Loopback start(Consumer<RpcClient.Builder> client) throws Exception {
    RpcModule pkg =
        RpcModule.builder("pkg")
            .function("twice", 1, (ctx, a) -> {
              twiceCalls.incrementAndGet();
              return Terms.integer(2 * ((ErlInteger) a.get(0)).longValue());
            })
            .function("flaky", 0, (ctx, a) -> {
              if (flakyCalls.incrementAndGet() == 1) {
                throw new ErlangException(ErlAtom.of("flaky"));
              }
              return ErlAtom.of("ok");
            })
            .function("wait", 0, (ctx, a) -> {
              waitHadDeadline.add(ctx.deadline().map(d -> d.isBefore(Instant.now().plusSeconds(60))).orElse(false));
              for (int i = 0; i < 3_000 && !ctx.isCancelled(); i++) {
                Thread.sleep(10); // interrupted when the deadline passes
              }
              return Terms.binary("done");
            })
            .build();
    return new Loopback(dir, s -> s.module(pkg), client);
  }

  @Test
  void interceptorsSeeCallsInOrderAndWrapResultsOfSyncAsyncAndExtraChannels() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    ClientInterceptor outer = (call, options, next) -> {
      seen.add("outer " + call.module() + ":" + call.function() + call.args() + " " + options.hasDeadline());
      return next.proceed(call, options);
    };
    // The inner one changes the argument and the result: 21 -> 20 -> server doubles -> 40 -> 41.
    ClientInterceptor inner = (call, options, next) -> {
      seen.add("inner " + call);
      long x = ((ErlInteger) call.args().get(0)).longValue();
      return next.proceed(call.withArgs(List.of(Terms.integer(x - 1))), options)
          .thenApply(r -> Terms.integer(((ErlInteger) r).longValue() + 1));
    };
    try (Loopback lb = start(c -> c.interceptor(outer).interceptor(inner));
        RpcConnection conn = lb.connect()) {
      String node = conn.address().toString();
      assertEquals(Terms.integer(41), conn.call("pkg", "twice", Terms.integer(21)));
      assertEquals(
          List.of("outer pkg:twice[21] false", "inner pkg:twice/1@" + node), seen);
      seen.clear();
      assertEquals(Terms.integer(41), conn.callAsync("pkg", "twice", Terms.integer(21)).get(30, TimeUnit.SECONDS));
      assertEquals(2, seen.size(), seen.toString());
      seen.clear();
      assertEquals(81L, conn.proxy(Pkg.class).twice(41));
      assertEquals(2, seen.size(), seen.toString());
      seen.clear();
      try (RpcChannel bulk = conn.openChannel()) {
        assertEquals(Terms.integer(3), bulk.call("pkg", "twice", Terms.integer(2)));
      }
      assertEquals(2, seen.size(), seen.toString());
      assertEquals(4, twiceCalls.get());
    }
  }

  @Test
  void anInterceptorCanRetry() throws Exception {
    ClientInterceptor retryRaisedOnce = (call, options, next) ->
        next.proceed(call, options).exceptionallyCompose(e ->
            e instanceof RpcException && ((RpcException) e).status() == Status.RAISED
                ? next.proceed(call, options)
                : CompletableFuture.failedFuture(e));
    try (Loopback lb = start(c -> c.interceptor(retryRaisedOnce));
        RpcConnection conn = lb.connect()) {
      assertEquals(ErlAtom.of("ok"), conn.call("pkg", "flaky"));
      assertEquals(2, flakyCalls.get());
    }
  }

  @Test
  void anInterceptorCanSetTheDeadline() throws Exception {
    ClientInterceptor deadline = (call, options, next) ->
        next.proceed(call, options.withTimeout(Duration.ofMillis(300)));
    try (Loopback lb = start(c -> c.interceptor(deadline));
        RpcConnection conn = lb.connect()) {
      RpcException e = assertThrows(RpcException.class, () -> conn.call("pkg", "wait"));
      assertEquals(Status.DEADLINE_EXCEEDED, e.status(), e.getMessage());
      assertEquals(List.of(true), waitHadDeadline);
    }
  }

  @Test
  void aThrowingInterceptorFailsTheCallWithWhatItThrewAndNothingIsSent() throws Exception {
    IllegalStateException boom = new IllegalStateException("no tenant");
    ClientInterceptor refuse = (call, options, next) -> {
      throw boom;
    };
    try (Loopback lb = start(c -> c.interceptor(refuse));
        RpcConnection conn = lb.connect()) {
      assertSame(boom, assertThrows(IllegalStateException.class, () -> conn.call("pkg", "twice", Terms.integer(1))));
      ExecutionException ee = assertThrows(
          ExecutionException.class, () -> conn.callAsync("pkg", "twice", Terms.integer(1)).get(30, TimeUnit.SECONDS));
      assertSame(boom, ee.getCause());
      assertEquals(0, twiceCalls.get());
    }
  }

  @Test
  void theDefaultDeadlineBoundsCallsWithoutOneAndIsSentToTheServer() throws Exception {
    try (Loopback lb = start(c -> c.defaultDeadline(Duration.ofMillis(300)));
        RpcConnection conn = lb.connect()) {
      RpcException e = assertThrows(RpcException.class, () -> conn.call("pkg", "wait"));
      assertEquals(Status.DEADLINE_EXCEEDED, e.status(), e.getMessage());
      ExecutionException ee = assertThrows(
          ExecutionException.class, () -> conn.callAsync("pkg", "wait", List.of()).get(30, TimeUnit.SECONDS));
      assertEquals(Status.DEADLINE_EXCEEDED, ((RpcException) ee.getCause()).status());
      RpcException p = assertThrows(RpcException.class, () -> conn.proxy(Pkg.class).waitForCancel());
      assertEquals(Status.DEADLINE_EXCEEDED, p.status());
      assertEquals(List.of(true, true, true), waitHadDeadline);
    }
  }

  @Test
  void withoutADefaultDeadlineACallHasNone() throws Exception {
    ClientInterceptor cancelSoon = (call, options, next) -> {
      assertFalse(options.hasDeadline());
      CompletableFuture<Term> f = next.proceed(call, options);
      CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> f.cancel(true));
      return f;
    };
    try (Loopback lb = start(c -> c.interceptor(cancelSoon));
        RpcConnection conn = lb.connect()) {
      RpcException e = assertThrows(RpcException.class, () -> conn.call("pkg", "wait"));
      assertEquals(Status.CANCELLED, e.status(), e.getMessage());
      assertEquals(List.of(false), waitHadDeadline);
    }
  }

  @Test
  void aProxyWithACallTimeoutGivesEachCallItsOwnDeadline() throws Exception {
    try (Loopback lb = start(c -> {});
        RpcConnection conn = lb.connect()) {
      Pkg p = conn.proxy(Pkg.class, CallOptions.callTimeout(Duration.ofMillis(300)));
      for (int i = 0; i < 2; i++) {
        RpcException e = assertThrows(RpcException.class, p::waitForCancel);
        assertEquals(Status.DEADLINE_EXCEEDED, e.status(), e.getMessage());
      }
      assertEquals(84L, p.twice(42));
      assertEquals(List.of(true, true), waitHadDeadline);
      assertTrue(p.toString().endsWith("with CallOptions{no deadline, call timeout PT0.3S}"), p.toString());
    }
  }
}
