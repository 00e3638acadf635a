package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.wire.FrameEncoder;

/** {@link StdioServer} over in-process pipes: the same core, identity from the environment. */
@Timeout(60)
class StdioServerTest {
  @TempDir Path tmp;
  private RpcService service;
  private final java.util.List<Path> authFiles = new java.util.ArrayList<>();

  /** One stdio "process": pipes both ways and the server running on its own thread. */
  private final class Stdio {
    final PipedOutputStream toServer = new PipedOutputStream();
    final PipedInputStream fromServer = new PipedInputStream(64 * 1024);
    final DataInputStream replies = new DataInputStream(fromServer);
    final AtomicLong consumed = new AtomicLong();
    final CompletableFuture<Integer> exit = new CompletableFuture<>();

    Stdio(StdioServer server) throws IOException {
      PipedInputStream serverIn = new PipedInputStream(toServer, 64 * 1024);
      InputStream counting =
          new FilterInputStream(serverIn) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              int n = super.read(b, off, len);
              if (n > 0) {
                consumed.addAndGet(n);
              }
              return n;
            }
          };
      OutputStream serverOut = new PipedOutputStream(fromServer);
      Thread t =
          new Thread(
              () -> {
                try {
                  exit.complete(server.serve(counting, serverOut));
                } catch (Throwable e) {
                  exit.completeExceptionally(e);
                }
              });
      t.setDaemon(true);
      t.start();
    }

    void send(Term t) throws IOException {
      toServer.write(FrameEncoder.frame(t));
      toServer.flush();
    }

    Term receive() throws IOException {
      int len = replies.readInt();
      byte[] b = new byte[len];
      replies.readFully(b);
      return TermDecoder.DEFAULT.decode(b);
    }

    int finish() throws Exception {
      toServer.close();
      return exit.get(20, TimeUnit.SECONDS);
    }
  }

  private Map<String, String> env(String user, String keyLine) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("USER", user);
    env.put("SSH_CONNECTION", "127.0.0.1 40000 127.0.0.1 22");
    if (keyLine != null) {
      Path f = StdioIdentityTest.sshdAuthFile("publickey " + keyLine + "\n");
      authFiles.add(f);
      env.put("SSH_USER_AUTH", f.toString());
    }
    return env;
  }

  private StdioServer server(RpcService s, Map<String, String> env, String osUser) {
    return StdioServer.builder().service(s).environment(env).osUser(osUser).trustSshUserAuth(true).build();
  }

  private static Term mfa(String m, String f, Term... args) {
    return tuple(atom("mfa"), tuple(atom(m), atom(f), list(args)));
  }

  private static Term answer(Term value, int status) {
    return tuple(atom("answer"), tuple(value, integer(status)));
  }

  @AfterEach
  void close() throws IOException {
    if (service != null) {
      service.close();
    }
    for (Path f : authFiles) {
      Files.deleteIfExists(f);
    }
  }

  @Test
  void servesV1CallsUntilEof() throws Exception {
    service = RpcService.builder().build();
    Stdio io = new Stdio(server(service, env("alice", null), "alice"));
    io.send(mfa("lists", "seq", integer(1), integer(3)));
    assertEquals(answer(list(integer(1), integer(2), integer(3)), 0), io.receive());
    io.send(mfa("sshrpc", "ping"));
    assertEquals(answer(atom("pong"), 0), io.receive());
    assertEquals(StdioServer.EXIT_OK, io.finish());
    assertEquals(-1, io.fromServer.read(), "stdout closed after the last reply");
  }

  @Test
  void identityFromTheEnvironmentFeedsThePolicyAndTheHandlers() throws Exception {
    RpcModule who =
        RpcModule.builder("who")
            .function("ami", 0, (ctx, a) -> tuple(binary(ctx.user()), binary(String.valueOf(ctx.keyFingerprint()))))
            .build();
    AccessPolicy policy =
        AccessPolicy.parse("allow key=" + StdioIdentityTest.ED25519_FP + " who:ami/0\nallow sshrpc:*\n");
    service = RpcService.builder().module(who).policy(policy).build();

    Stdio good = new Stdio(server(service, env("alice", StdioIdentityTest.ED25519), "alice"));
    good.send(mfa("who", "ami"));
    assertEquals(
        answer(tuple(binary("alice"), binary(StdioIdentityTest.ED25519_FP)), 0), good.receive());
    assertEquals(0, good.finish());

    Stdio other = new Stdio(server(service, env("bob", StdioIdentityTest.RSA), "bob"));
    other.send(mfa("who", "ami"));
    Term denied = other.receive();
    assertTrue(denied.toString().contains("sshrpc_denied"), denied.toString());
    assertEquals(0, other.finish());
  }

  @Test
  void withoutTrustSshUserAuthKeyRulesNeverMatch() throws Exception {
    RpcModule who = RpcModule.builder("who").function("ami", 0, (ctx, a) -> atom("yes")).build();
    AccessPolicy policy =
        AccessPolicy.parse("allow key=" + StdioIdentityTest.ED25519_FP + " who:ami/0\nallow sshrpc:*\n");
    service = RpcService.builder().module(who).policy(policy).build();
    // A client that set SSH_USER_AUTH itself (AcceptEnv, ExposeAuthInfo no) to a key it never used.
    StdioServer untrusting =
        StdioServer.builder()
            .service(service)
            .environment(env("alice", StdioIdentityTest.ED25519))
            .osUser("alice")
            .build();
    Stdio io = new Stdio(untrusting);
    io.send(mfa("who", "ami"));
    Term denied = io.receive();
    assertTrue(denied.toString().contains("sshrpc_denied"), denied.toString());
    io.send(mfa("sshrpc", "ping"));
    assertEquals(answer(atom("pong"), 0), io.receive());
    assertEquals(0, io.finish());
  }

  @Test
  void refusesAnEnvironmentSshdDidNotSetUp() throws Exception {
    service = RpcService.builder().build();
    Stdio io = new Stdio(server(service, env("alice", null), "mallory"));
    assertEquals(StdioServer.EXIT_ENVIRONMENT, io.exit.get(20, TimeUnit.SECONDS));
    // Nothing was served: not a single byte on stdout.
    assertTrue(
        org.junit.jupiter.api.Assertions.assertThrows(EOFException.class, io.replies::readInt)
            instanceof EOFException);
  }

  @Test
  void oversizedFrameEndsTheProcessWithProtocolStatus() throws Exception {
    service = RpcService.builder().maxFrameLength(1024).build();
    Stdio io = new Stdio(server(service, env("alice", null), "alice"));
    io.send(mfa("sshrpc", "ping"));
    assertEquals(answer(atom("pong"), 0), io.receive());
    io.toServer.write(new byte[] {0, 1, 0, 0}); // 65536 > 1024
    io.toServer.flush();
    assertEquals(StdioServer.EXIT_PROTOCOL, io.exit.get(20, TimeUnit.SECONDS));
  }

  @Test
  void aClientThatDoesNotReadStallsInItsOwnPipe() throws Exception {
    service = RpcService.builder().maxOutboundBytes(16 * 1024).build();
    StdioServer server =
        StdioServer.builder()
            .service(service)
            .environment(env("alice", null))
            .osUser("alice")
            .inputWindow(16 * 1024)
            .build();
    Stdio io = new Stdio(server);
    int n = 5000;
    byte[] payload = new byte[200];
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try {
                for (int i = 0; i < n; i++) {
                  io.send(mfa("sshrpc", "echo", org.sshrpc.term.ErlBinary.of(payload)));
                }
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    // Wait (bounded) until the server stops consuming: replies fill the stdout pipe, the session
    // stops accepting, the window closes.
    long last = -1;
    for (int i = 0; i < 100 && io.consumed.get() != last; i++) {
      last = io.consumed.get();
      Thread.sleep(100);
    }
    long total = (long) n * FrameEncoder.frame(mfa("sshrpc", "echo", org.sshrpc.term.ErlBinary.of(payload))).length;
    assertTrue(last < total / 3, "consumed " + last + " of " + total + " bytes without replies read");
    for (int i = 0; i < n; i++) {
      Term t = io.receive();
      assertEquals(0, ((org.sshrpc.term.ErlInteger) ((ErlTuple) ((ErlTuple) t).get(1)).get(1)).intValue());
    }
    writer.get(20, TimeUnit.SECONDS);
    assertEquals(0, io.finish());
    assertEquals(total, io.consumed.get());
  }
}
