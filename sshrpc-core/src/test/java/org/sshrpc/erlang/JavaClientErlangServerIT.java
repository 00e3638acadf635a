package org.sshrpc.erlang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.client.CallOptions;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;
import org.sshrpc.testing.ErlangApp;

/**
 * The Java client against the Erlang application's server ({@code sshrpc:subsystem_spec/1} in
 * {@code ssh:daemon}): v2 negotiated, calls, client and server deadlines, cast, 10,000 calls with
 * 64 in flight, denied and undefined functions, a remote raise, a dropped connection, v1 mode;
 * and, on the same server, the seed's v1 requests from a bare OTP ssh client and the Erlang
 * client's own checks.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JavaClientErlangServerIT {
  private static final String FUNS = "sshrpc_test_funs";

  @TempDir static Path dir;
  static Path key;
  static Path erlUserDir;
  static ErlangApp.Server server;

  @BeforeAll
  static void start() throws Exception {
    key = ErlangApp.keygen(dir.resolve("client"), "id_ed25519");
    erlUserDir = Files.createDirectories(dir.resolve("erl_user"));
    Path erlKey = ErlangApp.keygen(erlUserDir, "id_ed25519");
    server = ErlangApp.Server.start(dir.resolve("server"), key, erlKey);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static RpcClient client(ErlangApp.Server s, int maxVersion) throws Exception {
    return RpcClient.builder()
        .identity(key)
        .knownHosts(s.knownHosts(Files.createTempFile(dir, "known_hosts", "")))
        .defaultUser("tester")
        .maxProtocolVersion(maxVersion)
        .build();
  }

  private static String target(ErlangApp.Server s) {
    return "tester@127.0.0.1:" + s.port;
  }

  @Test
  void callsNegotiateV2() throws Exception {
    try (RpcClient c = client(server, 2);
        RpcConnection conn = c.connect(target(server))) {
      assertEquals(2, conn.protocolVersion());
      assertEquals(list(integer(1), integer(2), integer(3)), conn.call("lists", "seq", integer(1), integer(3)));
      Term t = tuple(Terms.binary("bin"), list(Terms.string("str"), integer(1L << 40)), atom("ok"));
      assertEquals(t, conn.call(FUNS, "echo", t));
    }
  }

  @Test
  void errorsMapToStatuses() throws Exception {
    try (RpcClient c = client(server, 2);
        RpcConnection conn = c.connect(target(server))) {
      RpcException denied = assertThrows(RpcException.class, () -> conn.call(FUNS, "secret"));
      assertEquals(Status.PERMISSION_DENIED, denied.status());
      assertEquals(tuple(atom("sshrpc_denied"), tuple(atom(FUNS), atom("secret"), integer(0))), denied.reason());

      RpcException notExported = assertThrows(RpcException.class, () -> conn.call("lists", "reverse", list()));
      assertEquals(Status.PERMISSION_DENIED, notExported.status());

      RpcException undef = assertThrows(RpcException.class, () -> conn.call(FUNS, "no_such_function", integer(1)));
      assertEquals(Status.NOT_FOUND, undef.status());
      assertEquals(
          tuple(atom("EXIT"), tuple(atom("undef"),
              list(tuple(atom(FUNS), atom("no_such_function"), list(integer(1)), list())))),
          undef.reason());

      RpcException raised = assertThrows(RpcException.class, () -> conn.call(FUNS, "raise", atom("badarg")));
      assertEquals(Status.RAISED, raised.status());
      assertEquals(
          tuple(atom("EXIT"), tuple(atom("badarg"), list(tuple(atom(FUNS), atom("raise"), integer(1), list())))),
          raised.reason());

      RpcException clause = assertThrows(RpcException.class, () -> conn.call("lists", "nth", integer(5), list(atom("a"))));
      assertEquals(Status.RAISED, clause.status());
      assertTrue(clause.reason().toString().contains("function_clause"), clause.reason().toString());

      assertEquals(integer(6), conn.call("lists", "sum", list(integer(1), integer(2), integer(3))));
    }
  }

  @Test
  void deadlinesOnBothSides() throws Exception {
    try (RpcClient c = client(server, 2);
        RpcConnection conn = c.connect(target(server))) {
      RpcException e = assertThrows(RpcException.class,
          () -> conn.call(FUNS, "sleep", List.of(integer(5000)), CallOptions.timeout(Duration.ofMillis(200))));
      assertEquals(Status.DEADLINE_EXCEEDED, e.status());
      assertEquals(atom("ok"), conn.call(FUNS, "echo", atom("ok")));
    }
  }

  @Test
  void castRuns() throws Exception {
    try (RpcClient c = client(server, 2);
        RpcConnection conn = c.connect(target(server))) {
      Term key = integer(System.nanoTime());
      conn.cast(FUNS, "mark", List.of(key));
      boolean marked = false;
      for (int i = 0; i < 100 && !marked; i++) {
        marked = atom("true").equals(conn.call(FUNS, "marked", key));
        if (!marked) {
          Thread.sleep(50);
        }
      }
      assertTrue(marked, "the cast did not run");
    }
  }

  @Test
  void tenThousandCallsSixtyFourInFlight() throws Exception {
    try (RpcClient c = client(server, 2);
        RpcConnection conn = c.connect(target(server))) {
      Semaphore window = new Semaphore(64);
      List<CompletableFuture<Term>> fs = new ArrayList<>(10_000);
      for (int i = 0; i < 10_000; i++) {
        window.acquire();
        CompletableFuture<Term> f = conn.callAsync(FUNS, "echo", integer(i));
        f.whenComplete((v, err) -> window.release());
        fs.add(f);
      }
      for (int i = 0; i < 10_000; i++) {
        assertEquals(integer(i), fs.get(i).get(30, TimeUnit.SECONDS), "call " + i);
      }
    }
  }

  @Test
  void v1ModeAgainstTheErlangServer() throws Exception {
    try (RpcClient c = client(server, 1);
        RpcConnection conn = c.connect(target(server))) {
      assertEquals(1, conn.protocolVersion());
      assertEquals(100, ((ErlList) conn.call("lists", "seq", integer(1), integer(100))).size());
      RpcException undef = assertThrows(RpcException.class, () -> conn.call(FUNS, "no_such_function"));
      assertEquals(Status.NOT_FOUND, undef.status());
      RpcException denied = assertThrows(RpcException.class, () -> conn.call(FUNS, "secret"));
      assertEquals(Status.PERMISSION_DENIED, denied.status());
    }
  }

  @Test
  void droppedConnectionFailsCallsInFlight() throws Exception {
    try (ErlangApp.Server own = ErlangApp.Server.start(dir.resolve("server-dropped"), key);
        RpcClient c = client(own, 2);
        RpcConnection conn = c.connect(target(own))) {
      CompletableFuture<Term> f = conn.callAsync(FUNS, "sleep", integer(10_000));
      assertEquals(atom("ok"), conn.call(FUNS, "echo", atom("ok")));
      own.kill();
      ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
      assertEquals(Status.UNAVAILABLE, ((RpcException) e.getCause()).status());
    }
  }

  @Test
  void seedV1ShapesFromABareOtpSshClient() throws Exception {
    ErlangApp.Output out = ErlangApp.runClient(dir, "raw_v1", server.port, erlUserDir, "seed");
    for (String check : List.of("seq", "flat_shape", "longer_reply", "undef", "denied", "raise", "not_mfa",
        "batched_in_order", "split", "close")) {
      assertTrue(out.passed(check), "check " + check + " failed:\n" + out.text());
    }
    assertEquals(0, out.exitCode(), out.text());
  }

  @Test
  void erlangClientAgainstTheErlangServer() throws Exception {
    ErlangApp.Output out = ErlangApp.runClient(dir, "erlang", server.port, erlUserDir, "erl");
    for (String check : List.of("sync", "timeout", "cast", "pipelined_10000", "out_of_order", "denied",
        "undef", "raise", "multicall", "v1_mode", "dropped_connection", "close")) {
      assertTrue(out.passed(check), "check " + check + " failed:\n" + out.text());
    }
    assertEquals(0, out.exitCode(), out.text());
  }
}
