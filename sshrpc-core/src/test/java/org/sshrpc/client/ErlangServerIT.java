package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.auth.KnownHostsException;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.Terms;

/**
 * The Java client against an Erlang server speaking only v1 (OTP's ssh daemon + apply/3):
 * negotiation falls back to v1, calls and errors map as docs/protocol.md says, and host keys and
 * identities are checked as OpenSSH would.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ErlangServerIT {
  @TempDir static Path dir;
  static Path clientKey;
  static Path encryptedKey;
  static ErlangV1Server server;

  @BeforeAll
  static void startServer() throws Exception {
    clientKey = SshKeys.keygen(dir.resolve("client"), "id_ed25519", "ed25519", "");
    encryptedKey = SshKeys.keygen(dir.resolve("client"), "id_encrypted", "ed25519", "correct horse");
    server = ErlangV1Server.start(dir.resolve("erl"), clientKey, encryptedKey);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static RpcClient.Builder client(Path knownHosts) {
    return RpcClient.builder().identity(clientKey).knownHosts(knownHosts).defaultUser("tester");
  }

  private static Path trusted() throws Exception {
    return SshKeys.knownHosts(Files.createTempFile(dir, "known_hosts", ""), server.port, server.hostKey);
  }

  private static String target() {
    return "tester@127.0.0.1:" + server.port;
  }

  @Test
  void callsFallBackToV1AndReturnValues() throws Exception {
    try (RpcClient c = client(trusted()).build();
        RpcConnection conn = c.connect(target())) {
      assertEquals(1, conn.protocolVersion());
      assertEquals(
          tuple(atom("a"), integer(1), atom("b")),
          conn.call("erlang", "list_to_tuple", list(atom("a"), integer(1), atom("b"))));
      Term seq = conn.call("lists", "seq", integer(1), integer(100));
      List<Term> expected = new ArrayList<>();
      for (int i = 1; i <= 100; i++) {
        expected.add(integer(i));
      }
      assertEquals(Terms.list(expected), seq);
    }
  }

  @Test
  void failingCallIsRaisedWithTheErlangReason() throws Exception {
    try (RpcClient c = client(trusted()).build();
        RpcConnection conn = c.connect(target())) {
      RpcException e =
          assertThrows(RpcException.class, () -> conn.call("erlang", "list_to_tuple", atom("notalist")));
      assertEquals(Status.RAISED, e.status());
      ErlTuple exit = (ErlTuple) e.reason();
      assertTrue(exit.isTagged("EXIT", 2), e.reason().toString());
      assertEquals(ErlAtom.of("badarg"), ((ErlTuple) exit.get(1)).get(0));

      RpcException undef = assertThrows(RpcException.class, () -> conn.call("lists", "no_such_function"));
      assertEquals(Status.NOT_FOUND, undef.status());

      // The channel keeps working after errors.
      assertEquals(integer(6), conn.call("lists", "sum", list(integer(1), integer(2), integer(3))));
    }
  }

  @Test
  void asyncAndConcurrentCallsAreAnsweredInOrderOneAtATime() throws Exception {
    try (RpcClient c = client(trusted()).build();
        RpcConnection conn = c.connect(target())) {
      List<CompletableFuture<Term>> fs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        fs.add(conn.callAsync("lists", "seq", integer(1), integer(i)));
      }
      for (int i = 0; i < 200; i++) {
        assertEquals(i, ((org.sshrpc.term.ErlList) fs.get(i).get(30, TimeUnit.SECONDS)).size());
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Term>> results = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          int n = i;
          results.add(pool.submit(() -> conn.call("erlang", "abs", integer(-n))));
        }
        for (int i = 0; i < 400; i++) {
          assertEquals(integer(i), results.get(i).get(30, TimeUnit.SECONDS));
        }
      } finally {
        pool.shutdownNow();
      }
      CompletableFuture<Term> bad = conn.callAsync("erlang", "list_to_tuple", atom("x"));
      ExecutionException ee = assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
      assertEquals(Status.RAISED, ((RpcException) ee.getCause()).status());
    }
  }

  @Test
  void maxProtocolVersionOneNeverSendsHello() throws Exception {
    try (RpcClient c = client(trusted()).maxProtocolVersion(1).build();
        RpcConnection conn = c.connect(target())) {
      assertEquals(1, conn.protocolVersion());
      assertEquals(atom("pong"), conn.call("erlang", "list_to_atom", Terms.string("pong")));
      RpcException e = assertThrows(RpcException.class, () -> conn.spawn("erlang", "self", List.of()));
      assertEquals(Status.INVALID_REQUEST, e.status());
    }
  }

  @Test
  void unknownHostIsRefusedByDefault() throws Exception {
    Path empty = dir.resolve("empty_known_hosts");
    try (RpcClient c = client(empty).build()) {
      KnownHostsException e = assertThrows(KnownHostsException.class, () -> c.connect(target()));
      assertEquals(KnownHostsException.Kind.UNKNOWN_HOST, e.kind());
      assertTrue(e.getMessage().contains("[127.0.0.1]:" + server.port), e.getMessage());
      assertTrue(e.getMessage().contains("ssh-ed25519"), e.getMessage());
      assertTrue(e.getMessage().contains("SHA256:"), e.getMessage());
      assertTrue(!Files.exists(empty), "strict mode must not write known_hosts");
    }
  }

  @Test
  void acceptNewRecordsTheHostAndLaterStrictClientsTrustIt() throws Exception {
    Path kh = dir.resolve("accept_new_known_hosts");
    try (RpcClient c = client(kh).acceptNewHostKeys(true).build();
        RpcConnection conn = c.connect(target())) {
      assertEquals(integer(3), conn.call("erlang", "length", list(atom("a"), atom("b"), atom("c"))));
    }
    String recorded = Files.readString(kh);
    assertTrue(recorded.contains(SshKeys.publicLine(server.hostKey).split(" ")[1]), recorded);
    try (RpcClient c = client(kh).build();
        RpcConnection conn = c.connect(target())) {
      assertEquals(1, conn.protocolVersion());
    }
  }

  @Test
  void changedHostKeyIsRefusedEvenWithAcceptNew() throws Exception {
    Path other = SshKeys.keygen(dir.resolve("other"), "other_host_key", "ed25519", "");
    Path kh = SshKeys.knownHosts(dir.resolve("changed_known_hosts"), server.port, other);
    String before = Files.readString(kh);
    try (RpcClient c = client(kh).acceptNewHostKeys(true).build()) {
      KnownHostsException e = assertThrows(KnownHostsException.class, () -> c.connect(target()));
      assertEquals(KnownHostsException.Kind.CHANGED_KEY, e.kind());
      assertTrue(e.getMessage().contains("CHANGED"), e.getMessage());
      assertTrue(e.getMessage().contains("[127.0.0.1]:" + server.port), e.getMessage());
    }
    assertEquals(before, Files.readString(kh), "a changed key must never be recorded");
  }

  @Test
  void hashedKnownHostsEntriesAreMatched() throws Exception {
    Path kh = SshKeys.knownHosts(dir.resolve("hashed_known_hosts"), server.port, server.hostKey);
    SshKeys.run(List.of(org.sshrpc.testing.Tools.requireTool("ssh-keygen"), "-H", "-f", kh.toString()));
    assertTrue(Files.readString(kh).startsWith("|1|"), Files.readString(kh));
    try (RpcClient c = client(kh).build();
        RpcConnection conn = c.connect(target())) {
      assertEquals(1, conn.protocolVersion());
    }
  }

  @Test
  void passphraseProtectedIdentity() throws Exception {
    Path kh = trusted();
    try (RpcClient c =
            RpcClient.builder()
                .identity(encryptedKey)
                .passphrases(PassphraseSource.of("correct horse".toCharArray()))
                .knownHosts(kh)
                .build();
        RpcConnection conn = c.connect(target())) {
      assertEquals(integer(2), conn.call("erlang", "abs", integer(-2)));
    }
    try (RpcClient c =
        RpcClient.builder()
            .identity(encryptedKey)
            .passphrases(PassphraseSource.of("wrong".toCharArray()))
            .knownHosts(kh)
            .build()) {
      IOException e = assertThrows(IOException.class, () -> c.connect(target()));
      assertTrue(e.getMessage().contains("wrong passphrase"), e.getMessage());
      assertTrue(e.getMessage().contains(encryptedKey.toString()), e.getMessage());
    }
    try (RpcClient c =
        RpcClient.builder().identity(encryptedKey).passphrases(PassphraseSource.none()).knownHosts(kh).build()) {
      IOException e = assertThrows(IOException.class, () -> c.connect(target()));
      assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    }
  }

  @Test
  void identityReadableByOthersIsRefused() throws Exception {
    Path loose = SshKeys.keygen(dir.resolve("loose"), "id_loose", "ed25519", "");
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    try (RpcClient c = RpcClient.builder().identity(loose).knownHosts(trusted()).build()) {
      IOException e = assertThrows(IOException.class, () -> c.connect(target()));
      assertTrue(e.getMessage().contains(loose.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("0644"), e.getMessage());
    }
  }

  @Test
  void unlistedKeyFailsAuthentication() throws Exception {
    Path stranger = SshKeys.keygen(dir.resolve("stranger"), "id_stranger", "ed25519", "");
    try (RpcClient c = RpcClient.builder().identity(stranger).knownHosts(trusted()).build()) {
      IOException e = assertThrows(IOException.class, () -> c.connect(target()));
      assertTrue(e.getMessage().contains("Permission denied (publickey); tried: " + stranger), e.getMessage());
    }
  }

  @Test
  void clientSideDeadlineOnAV1ServerAndTheChannelRecovers() throws Exception {
    try (RpcClient c = client(trusted()).build();
        RpcConnection conn = c.connect(target())) {
      RpcException e = assertThrows(RpcException.class,
          () -> conn.call("timer", "sleep", List.of(integer(1000)), CallOptions.timeout(java.time.Duration.ofMillis(100))));
      assertEquals(Status.DEADLINE_EXCEEDED, e.status());
      // v1 answers in order: the late answer is consumed and discarded, the next call gets its own.
      assertEquals(integer(42), conn.call("erlang", "abs", integer(-42)));
    }
  }

  private static long writerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("sshrpc-writer-") && t.isAlive())
        .count();
  }

  @Test
  void closingTheClientEndsItsConnectionsAndWriterThreads() throws Exception {
    long before = writerThreads();
    RpcClient c = client(trusted()).build();
    RpcConnection conn = c.connect(target());
    RpcChannel extra = conn.openChannel();
    assertEquals(before + 2, writerThreads());
    c.close();
    for (int i = 0; i < 100 && (writerThreads() > before || conn.isOpen() || extra.isOpen()); i++) {
      Thread.sleep(50);
    }
    assertEquals(before, writerThreads());
    assertTrue(!conn.isOpen() && !extra.isOpen());
    assertEquals(Status.UNAVAILABLE, assertThrows(RpcException.class, () -> conn.call("erlang", "abs", integer(1))).status());
  }
}
