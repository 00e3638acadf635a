package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.FrameEncoder;
import org.sshrpc.wire.ServerMessage;

/** The v1 server over real SSH on loopback, driven by a raw MINA client writing and reading frames. */
@Timeout(60)
class ServerIT {
  @TempDir Path dir;
  private ServerFixture fx;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  private static final RpcModule TEST =
      RpcModule.builder("t")
          .function("boom", 0, (ctx, a) -> {
            throw new IllegalStateException("no luck");
          })
          .build();

  private void start() throws IOException {
    fx = new ServerFixture(dir, b -> b.module(TEST).maxFrameLength(4096)
        .policy(AccessPolicy.parse("deny user=bob lists:*\nallow *\n")));
  }

  private RawClient client(String user) throws IOException {
    RawClient c = RawClient.connect(fx, user, user.equals("bob") ? fx.bobKey : fx.aliceKey);
    toClose.add(c);
    return c;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    if (fx != null) {
      fx.close();
    }
  }

  private static Term mfa(String m, String f, Term... args) {
    return ClientMessage.Mfa.of(m, f, list(args)).toTerm();
  }

  private static Term ok(Term t) {
    return ServerMessage.Answer.ok(t).toTerm();
  }

  private static Term seq(int from, int to) {
    List<Term> l = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      l.add(integer(i));
    }
    return ErlList.of(l);
  }

  @Test
  void v1CallBothShapesAndBothNames() throws Exception {
    start();
    RawClient c = client("alice");
    RawClient.Channel ch = c.open(RpcSubsystemFactory.NAME);
    ch.send(mfa("lists", "seq", integer(1), integer(100)));
    assertEquals(ok(seq(1, 100)), ch.read());
    ch.send(tuple(atom("mfa"), atom("lists"), atom("reverse"), list(list(integer(1), integer(2)))));
    assertEquals(ok(list(integer(2), integer(1))), ch.read());
    RawClient.Channel alias = c.open(RpcSubsystemFactory.ALIAS);
    alias.send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), alias.read());
  }

  @Test
  void ipv6Loopback() throws Exception {
    InetAddress v6;
    try {
      v6 = InetAddress.getByName("::1");
      try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, v6)) {
        // bindable
      }
    } catch (IOException e) {
      Assumptions.assumeTrue(false, "no IPv6 loopback here: " + e);
      return;
    }
    fx = new ServerFixture(dir, b -> b.listen("::1", 0));
    List<InetSocketAddress> bound = fx.server.boundAddresses();
    assertEquals(2, bound.size(), bound.toString());
    InetSocketAddress six = bound.stream().filter(a -> a.getAddress() instanceof Inet6Address).findFirst().orElseThrow();
    RawClient c = new RawClient(six, fx.server.hostKeys().publicKey(), "alice", fx.aliceKey);
    toClose.add(c);
    c.session.auth().verify(RawClient.WAIT);
    RawClient.Channel ch = c.open();
    ch.send(mfa("sshrpc", "echo", binary("over v6")));
    assertEquals(ok(binary("over v6")), ch.read());
  }

  @Test
  void errorsAndDenial() throws Exception {
    start();
    RawClient.Channel ch = client("alice").open();
    ch.send(mfa("nosuch", "f", integer(1)));
    ServerMessage.Answer a = answer(ch.read());
    assertEquals(-1, a.status());
    assertEquals(
        tuple(atom("exec_badrpc"), tuple(atom("EXIT"), tuple(atom("undef"), list(tuple(atom("nosuch"), atom("f"), list(integer(1)), ErlList.NIL))))),
        a.reply());
    ch.send(mfa("t", "boom"));
    assertEquals(
        tuple(atom("exec_badrpc"), tuple(atom("EXIT"), tuple(atom("java_exception"), binary("java.lang.IllegalStateException"), binary("no luck")))),
        answer(ch.read()).reply());

    RawClient.Channel bob = client("bob").open();
    bob.send(mfa("lists", "seq", integer(1), integer(3)));
    assertEquals(
        tuple(atom("exec_badrpc"), tuple(atom("EXIT"), tuple(atom("sshrpc_denied"), tuple(atom("lists"), atom("seq"), integer(2))))),
        answer(bob.read()).reply());
    bob.send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), bob.read());
  }

  private static ServerMessage.Answer answer(Term t) throws Exception {
    return (ServerMessage.Answer) org.sshrpc.wire.Messages.parseServerMessage(t);
  }

  @Test
  void badFrameIsAnsweredAndServingContinues() throws Exception {
    start();
    RawClient.Channel ch = client("alice").open();
    ch.sendRaw(new byte[] {0, 0, 0, 2, (byte) 131, (byte) 250});
    ErlTuple err = (ErlTuple) answer(ch.read()).reply();
    assertEquals(atom("exec_error"), err.get(0));
    assertTrue(((ErlTuple) err.get(1)).isTagged("badframe", 2), err.toString());
    ch.send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), ch.read());
  }

  @Test
  void oversizedFrameClosesOnlyThatChannel() throws Exception {
    start();
    RawClient c = client("alice");
    RawClient.Channel victim = c.open();
    RawClient.Channel sibling = c.open();
    RawClient.Channel other = client("bob").open();
    victim.sendRaw(ByteBuffer.allocate(8).putInt(1 << 30).putInt(0).array());
    assertTrue(victim.closedByServer());
    sibling.send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), sibling.read());
    other.send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), other.read());
  }

  @Test
  void severalRequestsInOneDataMessage() throws Exception {
    start();
    RawClient.Channel ch = client("alice").open();
    Term[] reqs = new Term[64];
    for (int i = 0; i < reqs.length; i++) {
      reqs[i] = mfa("sshrpc", "echo", integer(i));
    }
    ch.send(reqs);
    for (int i = 0; i < reqs.length; i++) {
      assertEquals(ok(integer(i)), ch.read());
    }
  }

  @Test
  void oneRequestSplitAcrossDataMessages() throws Exception {
    start();
    RawClient.Channel ch = client("alice").open();
    byte[] f = FrameEncoder.frame(mfa("lists", "seq", integer(1), integer(10)));
    for (byte b : f) {
      ch.sendRaw(new byte[] {b});
    }
    assertEquals(ok(seq(1, 10)), ch.read());
  }

  @Test
  void noShellExecPtySftpOrForwarding() throws Exception {
    start();
    RawClient c = client("alice");
    ClientSession s = c.session;
    ChannelExec exec = s.createExecChannel("id");
    assertRefused(() -> exec.open().verify(RawClient.WAIT), exec);
    ChannelShell shell = s.createShellChannel();
    assertRefused(() -> shell.open().verify(RawClient.WAIT), shell);
    org.apache.sshd.client.channel.ChannelSubsystem sftp = s.createSubsystemChannel("sftp");
    assertRefused(() -> sftp.open().verify(RawClient.WAIT), sftp);
    org.apache.sshd.client.channel.ChannelDirectTcpip fwd =
        s.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 1), new SshdSocketAddress("127.0.0.1", fx.port()));
    assertThrows(IOException.class, () -> fwd.open().verify(RawClient.WAIT));
    // the session is still good for RPC
    RawClient.Channel ch = c.open();
    ch.send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), ch.read());
  }

  private interface Opener {
    void open() throws IOException;
  }

  /** A refused request fails the open, or closes the channel without any output. */
  private static void assertRefused(Opener open, org.apache.sshd.client.channel.ClientChannel ch) throws IOException {
    try {
      open.open();
    } catch (IOException e) {
      return;
    }
    ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(10));
    assertTrue(ch.isClosed() || ch.isClosing(), "channel still open: " + ch);
    assertNull(ch.getExitStatus());
  }

  @Test
  void passwordAuthIsNotOfferedByDefault() throws Exception {
    start();
    RawClient c = new RawClient(fx.server.boundAddresses().get(0), fx.server.hostKeys().publicKey(), "alice", null);
    toClose.add(c);
    c.session.addPasswordIdentity("alice");
    assertThrows(Exception.class, () -> c.session.auth().verify(RawClient.WAIT));
    assertFalse(c.session.isAuthenticated());
  }

  @Test
  void unlistedKeyIsRefused() throws Exception {
    start();
    java.security.KeyPair stranger = org.apache.sshd.common.config.keys.KeyUtils.generateKeyPair("ssh-ed25519", 256);
    RawClient c = new RawClient(fx.server.boundAddresses().get(0), fx.server.hostKeys().publicKey(), "alice", stranger);
    toClose.add(c);
    assertThrows(Exception.class, () -> c.session.auth().verify(RawClient.WAIT));
  }


  @Test
  void aKeyCannotClaimAnotherUsersName() throws Exception {
    start();
    // alice's key asking to be bob: refused, so bob's permissions are never reachable with it
    RawClient c = new RawClient(fx.server.boundAddresses().get(0), fx.server.hostKeys().publicKey(), "bob", fx.aliceKey);
    toClose.add(c);
    assertThrows(Exception.class, () -> c.session.auth().verify(RawClient.WAIT));
  }

  @Test
  void policyFileReloadsWithoutDroppingTheConnection() throws Exception {
    Path policy = dir.resolve("policy.conf");
    java.nio.file.Files.writeString(policy, "allow *\n");
    fx = new ServerFixture(dir, b -> {
      try {
        b.policyFile(policy);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    RawClient.Channel ch = client("alice").open();
    ch.send(mfa("lists", "seq", integer(1), integer(2)));
    assertEquals(ok(seq(1, 2)), ch.read());
    Path next = dir.resolve("policy.next");
    java.nio.file.Files.writeString(next, "deny lists:*\nallow *\n");
    java.nio.file.Files.move(next, policy, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    ch.send(mfa("lists", "seq", integer(1), integer(2)));
    assertEquals(
        tuple(atom("exec_badrpc"), tuple(atom("EXIT"), tuple(atom("sshrpc_denied"), tuple(atom("lists"), atom("seq"), integer(2))))),
        answer(ch.read()).reply());
    ch.send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), ch.read());
  }

  @Test
  void hostKeyIsGeneratedOnceAndReused() throws Exception {
    start();
    String first = fx.server.hostKeyFingerprint();
    int port = fx.port();
    fx.close();
    java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
        java.nio.file.Files.getPosixFilePermissions(dir.resolve("host_ed25519"));
    assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"), perms);
    fx = new ServerFixture(dir, b -> {});
    assertEquals(first, fx.server.hostKeyFingerprint());
    assertTrue(first.startsWith("SHA256:"), first);
    assertTrue(port > 0);
  }

  @Test
  void closeEndsOpenConnections() throws Exception {
    start();
    RawClient.Channel ch = client("alice").open();
    ch.send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), ch.read());
    fx.server.close();
    assertTrue(ch.closedByServer());
  }




  @Test
  void nothingUnexportedIsCallable() throws Exception {
    start();
    RawClient.Channel ch = client("alice").open();
    // the requests that made the seed (and CVE-2025-32433 exploits) dangerous
    Term[][] attempts = {
      {atom("os"), atom("cmd"), list(org.sshrpc.term.Terms.string("id"))},
      {atom("erlang"), atom("apply"), list(atom("os"), atom("cmd"), list(org.sshrpc.term.Terms.string("id")))},
      {atom("erl_eval"), atom("exprs"), list(ErlList.NIL, ErlList.NIL)},
      {atom("java.lang.Runtime"), atom("getRuntime"), ErlList.NIL},
      {atom("init"), atom("stop"), ErlList.NIL},
    };
    for (Term[] a : attempts) {
      ch.send(tuple(atom("mfa"), tuple(a[0], a[1], a[2])));
      ErlTuple err = (ErlTuple) answer(ch.read()).reply();
      ErlTuple exit = (ErlTuple) err.get(1);
      assertTrue(((ErlTuple) exit.get(1)).isTagged("undef", 2), err.toString());
    }
    ch.send(mfa("sshrpc", "ping"));
    assertEquals(ok(atom("pong")), ch.read());
  }

  @SuppressWarnings("unused")
  private static SshClient unused() {
    return null;
  }
}
