package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.ServerInterceptor;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

/** Server interceptors, seen from a real client over SSH on loopback. */
@Timeout(60)
class ServerInterceptorTest {
  @TempDir Path dir;

  private final AtomicInteger ran = new AtomicInteger();

  private Loopback start(ServerInterceptor... interceptors) throws Exception {
    RpcModule pkg =
        RpcModule.builder("pkg")
            .function("twice", 1, (ctx, a) -> {
              ran.incrementAndGet();
              return Terms.integer(2 * ((ErlInteger) a.get(0)).longValue());
            })
            .build();
    return new Loopback(dir, s -> {
      s.module(pkg);
      for (ServerInterceptor i : interceptors) {
        s.interceptor(i);
      }
    }, c -> {});
  }

  @Test
  void interceptorsSeeTheCallerAndTheCallAndWrapItFirstAddedOutermost() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    ServerInterceptor outer = (call, next) -> {
      seen.add("outer " + call.context().user() + " " + call + " " + call.args());
      Term r = next.proceed(call);
      return Terms.tuple(ErlAtom.of("wrapped"), r);
    };
    ServerInterceptor inner = (call, next) -> {
      seen.add("inner " + call);
      if (!call.function().equals("twice")) {
        return next.proceed(call);
      }
      long x = ((ErlInteger) call.args().get(0)).longValue();
      return next.proceed(call.withArgs(List.of(Terms.integer(x + 1))));
    };
    try (Loopback lb = start(outer, inner);
        RpcConnection conn = lb.connect()) {
      assertEquals(Terms.tuple(ErlAtom.of("wrapped"), Terms.integer(42)), conn.call("pkg", "twice", Terms.integer(20)));
      assertEquals(List.of("outer tester pkg:twice/1 [20]", "inner pkg:twice/1"), seen);
      seen.clear();
      // built-ins, which otherwise may run inline on the I/O thread, are intercepted too
      assertEquals(
          Terms.tuple(ErlAtom.of("wrapped"), Terms.list(Terms.integer(1), Terms.integer(2))),
          conn.call("lists", "seq", Terms.integer(1), Terms.integer(2)));
      assertEquals(List.of("outer tester lists:seq/2 [1, 2]", "inner lists:seq/2"), seen);
      assertEquals(1, ran.get());
    }
  }

  @Test
  void aRefusalIsAnsweredWithTheStatusReasonAndTheFunctionNeverRuns() throws Exception {
    ServerInterceptor gate = (call, next) -> {
      long x = ((ErlInteger) call.args().get(0)).longValue();
      if (x == 1) {
        throw call.refuse(Status.PERMISSION_DENIED, "odd tenant");
      }
      if (x == 2) {
        throw call.refuse(Status.INVALID_REQUEST, "x must not be 2");
      }
      if (x == 3) {
        throw call.refuse(Status.RAISED, "three");
      }
      if (x == 4) {
        throw call.refuse(Status.RESOURCE_EXHAUSTED, "busy");
      }
      return next.proceed(call);
    };
    try (Loopback lb = start(gate);
        RpcConnection conn = lb.connect()) {
      RpcException denied = assertThrows(RpcException.class, () -> conn.call("pkg", "twice", Terms.integer(1)));
      assertEquals(Status.PERMISSION_DENIED, denied.status());
      assertEquals(Terms.tuple(ErlAtom.of("sshrpc_denied"), Terms.tuple(ErlAtom.of("pkg"), ErlAtom.of("twice"), Terms.integer(1))), denied.reason());

      RpcException bad = assertThrows(RpcException.class, () -> conn.call("pkg", "twice", Terms.integer(2)));
      assertEquals(Status.INVALID_REQUEST, bad.status());
      assertEquals(Terms.tuple(ErlAtom.of("badrequest"), Terms.binary("x must not be 2")), bad.reason());
      assertEquals("INVALID_REQUEST: pkg:twice/1 failed: {badrequest,<<\"x must not be 2\">>}", bad.getMessage());

      RpcException raised = assertThrows(RpcException.class, () -> conn.call("pkg", "twice", Terms.integer(3)));
      assertEquals(Status.RAISED, raised.status());
      assertEquals(
          Terms.tuple(ErlAtom.of("EXIT"), Terms.tuple(ErlAtom.of("sshrpc_refused"), Terms.binary("three"))),
          raised.reason());

      RpcException busy = assertThrows(RpcException.class, () -> conn.call("pkg", "twice", Terms.integer(4)));
      assertEquals(Status.RESOURCE_EXHAUSTED, busy.status());
      assertEquals(ErlAtom.of("overloaded"), busy.reason());

      assertEquals(0, ran.get());
      assertEquals(Terms.integer(10), conn.call("pkg", "twice", Terms.integer(5)));
      assertEquals(1, ran.get());
    }
  }
}
