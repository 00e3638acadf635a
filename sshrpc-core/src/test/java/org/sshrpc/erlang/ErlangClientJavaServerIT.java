package org.sshrpc.erlang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.server.ErlangException;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;
import org.sshrpc.testing.ErlangApp;

/**
 * The Erlang application's client ({@code sshrpc:connect/call/cast/send_request/multicall})
 * against the Java server, in a separate Erlang VM: v2 negotiated, a call, a client timeout, a
 * cast, 10,000 calls with 64 in flight answered in their own order, out-of-order replies, a
 * denied call, an undefined function, remote raises (ErlangException, a Java exception, a
 * built-in's function_clause), multicall, v1 mode, and a dropped connection; each an exact
 * erpc-shaped result checked by the escript.
 */
@Timeout(120)
class ErlangClientJavaServerIT {
  @TempDir Path dir;

  @Test
  void erlangClientCallsTheJavaServer() throws Exception {
    Path userDir = Files.createDirectories(dir.resolve("erl_user"));
    Path key = ErlangApp.keygen(userDir, "id_ed25519");
    Files.writeString(dir.resolve("authorized_keys"), "sshrpc-user=\"erl\" " + ErlangApp.publicLine(key) + "\n");
    Files.writeString(dir.resolve("policy"), "deny probe:secret/0\nallow *\n");
    CompletableFuture<Term> cast = new CompletableFuture<>();
    RpcModule probe =
        RpcModule.builder("probe")
            .function("echo", 1, (ctx, a) -> a.get(0))
            .function("sleep", 1, (ctx, a) -> {
              Thread.sleep(((ErlInteger) a.get(0)).longValue());
              return ErlAtom.OK;
            })
            .function("hit", 1, (ctx, a) -> {
              cast.complete(a.get(0));
              return ErlAtom.OK;
            })
            .function("raise", 1, (ctx, a) -> {
              throw new ErlangException(a.get(0));
            })
            .function("fail", 0, (ctx, a) -> {
              throw new IllegalStateException("broken");
            })
            .function("secret", 0, (ctx, a) -> ErlAtom.of("leaked"))
            .build();
    RpcServer server =
        RpcServer.builder()
            .listen("127.0.0.1", 0)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(dir.resolve("authorized_keys"))
            .policyFile(dir.resolve("policy"))
            .module(probe)
            .build()
            .start();
    try {
      ErlangApp.Output out = ErlangApp.runClient(dir, "java", server.port(), userDir, "erl");
      for (String check : List.of("sync", "timeout", "cast", "pipelined_10000", "out_of_order", "denied",
          "undef", "raise", "multicall", "v1_mode", "dropped_connection", "close")) {
        assertTrue(out.passed(check), "check " + check + " failed:\n" + out.text());
      }
      assertEquals(0, out.exitCode(), out.text());
      assertEquals(Terms.binary("cast-1"), cast.get(10, TimeUnit.SECONDS));
    } finally {
      server.close();
    }
  }
}
