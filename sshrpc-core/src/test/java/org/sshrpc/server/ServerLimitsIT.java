package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.helpers.AbstractConnectionServiceRequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;

/**
 * Each {@link ServerLimits} limit over real SSH: under it things work, past it the documented
 * refusal happens (with an audit line), and the server serves the next client.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServerLimitsIT {
  @TempDir Path dir;
  HardeningFixture fx;
  final List<String> audit = new CopyOnWriteArrayList<>();

  private void start(ServerLimits limits) throws Exception {
    AuditLog.tap = audit::add;
    fx = HardeningFixture.start(dir, limits);
  }

  @AfterEach
  void stop() {
    AuditLog.tap = null;
    if (fx != null) {
      fx.close();
    }
  }

  private static Term mfa(String m, String f, Term... args) {
    return tuple(atom("mfa"), tuple(atom(m), atom(f), list(args)));
  }

  private static Term echoed(Term t) {
    return tuple(atom("answer"), tuple(t, integer(0)));
  }

  private boolean closed(ClientSession s, Duration d) {
    return s.waitFor(List.of(ClientSessionEvent.CLOSED), d.toMillis()).contains(ClientSessionEvent.CLOSED);
  }

  @Test
  void frameLongerThanTheLimitClosesTheChannelV2GetsFrameTooLargeFirst() throws Exception {
    start(ServerLimits.builder().maxFrameLength(1000).build());
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      r.writeTerm(tuple(atom("sshrpc_hello"), integer(2), org.sshrpc.term.Terms.map()));
      Term hello = r.readTerm();
      assertEquals(atom("sshrpc_hello"), ((ErlTuple) hello).get(0), String.valueOf(hello));
      r.writeTerm(tuple(atom("call"), integer(1), atom("t"), atom("echo"), list(org.sshrpc.term.ErlBinary.of(new byte[2000])), atom("infinity")));
      Term err = r.readTerm();
      assertEquals(atom("frame_too_large"), ((ErlTuple) err).get(1), String.valueOf(err));
      assertTrue(r.awaitClosed(Duration.ofSeconds(10)));
    }
    // Just under the limit is fine.
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      r.writeTerm(mfa("t", "echo", org.sshrpc.term.ErlBinary.of(new byte[900])));
      assertEquals(echoed(org.sshrpc.term.ErlBinary.of(new byte[900])), r.readTerm());
    }
  }

  @Test
  void aLargeFrameArrivingSlowlyButSteadilyIsNotCutByTheFrameTimeout() throws Exception {
    start(ServerLimits.builder().frameTimeout(Duration.ofSeconds(1)).build());
    org.sshrpc.term.ErlBinary payload = org.sshrpc.term.ErlBinary.of(new byte[400 << 10]);
    byte[] f = HardeningFixture.frame(TermEncoder.DEFAULT.encode(mfa("t", "echo", payload)));
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      int chunk = 100 << 10; // 100 KiB every 0.7 s: the frame takes ~3 s, three timeouts
      for (int at = 0; at < f.length; at += chunk) {
        r.write(java.util.Arrays.copyOfRange(f, at, Math.min(f.length, at + chunk)));
        Thread.sleep(700);
      }
      assertEquals(echoed(payload), r.readTerm());
    }
  }

  @Test
  void inFlightCallsPastTheLimitAreAnsweredOverloaded() throws Exception {
    start(ServerLimits.builder().maxInFlightPerChannel(2).build());
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      r.writeTerm(tuple(atom("sshrpc_hello"), integer(2), org.sshrpc.term.Terms.map()));
      r.readTerm();
      for (int id = 1; id <= 3; id++) {
        r.writeTerm(tuple(atom("call"), integer(id), atom("t"), atom("sleep"), list(integer(id == 3 ? 0 : 1500)), atom("infinity")));
      }
      Term first = r.readTerm(); // id 3 is refused at once, before the two sleepers finish
      assertEquals(tuple(atom("reply"), integer(3), atom("error"), atom("overloaded")), first);
      assertEquals(atom("reply"), ((ErlTuple) r.readTerm()).get(0));
      assertEquals(atom("reply"), ((ErlTuple) r.readTerm()).get(0));
    }
    assertTrue(audit.stream().anyMatch(l -> l.contains("mfa=t:sleep/1 status=overloaded")), audit.toString());
  }

  @Test
  void channelsPerConnectionPastTheLimitAreRefusedAndFreedOnClose() throws Exception {
    start(ServerLimits.builder().maxChannelsPerSession(2).build());
    try (ClientSession s = fx.rawSession()) {
      List<ChannelSubsystem> open = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        ChannelSubsystem ch = s.createSubsystemChannel(RpcSubsystemFactory.NAME);
        ch.open().verify(HardeningFixture.TIMEOUT);
        open.add(ch);
      }
      ChannelSubsystem third = s.createSubsystemChannel(RpcSubsystemFactory.NAME);
      IOException e = assertThrows(IOException.class, () -> third.open().verify(HardeningFixture.TIMEOUT));
      assertTrue(String.valueOf(e.getMessage()).contains("RESOURCE_SHORTAGE") || e.toString().contains("SshChannelOpenException"), e.toString());
      assertTrue(s.isOpen(), "only the channel is refused, not the connection");
      open.get(0).close(false).await(HardeningFixture.TIMEOUT);
      assertTrue(HardeningFixture.eventually(Duration.ofSeconds(5), () -> {
        try {
          ChannelSubsystem again = s.createSubsystemChannel(RpcSubsystemFactory.NAME);
          again.open().verify(HardeningFixture.TIMEOUT);
          HardeningFixture.Raw r = new HardeningFixture.Raw(s, again);
          r.writeTerm(mfa("t", "echo", atom("again")));
          return echoed(atom("again")).equals(r.readTerm());
        } catch (IOException notYet) {
          return false;
        }
      }), "a freed slot can be used");
    }
    assertTrue(audit.stream().anyMatch(l -> l.contains("too many channels on this connection: 3 (expected: <= 2)")), audit.toString());
  }

  @Test
  void sessionsPerUserPastTheLimitAreDisconnectedAfterAuth() throws Exception {
    start(ServerLimits.builder().maxSessionsPerUser(2).build());
    ClientSession a = fx.rawSession();
    ClientSession b = fx.rawSession();
    try {
      IOException e = assertThrows(IOException.class, () -> {
        ClientSession c = fx.rawSession();
        // MINA may report success before the server's disconnect arrives: then it must close.
        if (!closed(c, Duration.ofSeconds(10))) {
          c.close(true);
          return;
        }
        throw new IOException("disconnected");
      });
      assertFalse(e.getMessage().isEmpty());
    } finally {
      a.close(true);
      b.close(true);
    }
    assertTrue(HardeningFixture.eventually(Duration.ofSeconds(10), () -> fx.server.connectionGuard().sessions() == 0));
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      r.writeTerm(mfa("t", "echo", integer(1)));
      assertEquals(echoed(integer(1)), r.readTerm());
    }
  }

  @Test
  void connectionsPastTheTotalLimitAreClosedOnAccept() throws Exception {
    start(ServerLimits.builder().maxSessions(2).build());
    ClientSession a = fx.rawSession();
    ClientSession b = fx.rawSession();
    try {
      assertThrows(IOException.class, fx::rawSession);
      assertTrue(audit.stream().anyMatch(l -> l.contains("connection_refused") && l.contains("connections at limit (2)")), audit.toString());
    } finally {
      a.close(true);
      b.close(true);
    }
    assertTrue(HardeningFixture.eventually(Duration.ofSeconds(10), () -> fx.server.connectionGuard().sessions() == 0));
    fx.rawSession().close(true);
  }

  @Test
  void authAttemptsPastTheLimitDisconnect() throws Exception {
    start(ServerLimits.builder().maxAuthAttempts(3).build());
    ClientSession s = fx.rawClient().connect("alice", "127.0.0.1", fx.server.port()).verify(HardeningFixture.TIMEOUT).getSession();
    for (int i = 0; i < 5; i++) {
      KeyPair wrong = KeyUtils.generateKeyPair("ssh-ed25519", 256);
      s.addPublicKeyIdentity(wrong);
    }
    s.addPublicKeyIdentity(fx.alice); // offered last: after the limit
    assertThrows(IOException.class, () -> s.auth().verify(HardeningFixture.TIMEOUT));
    assertTrue(closed(s, Duration.ofSeconds(10)));
    assertTrue(audit.stream().anyMatch(l -> l.contains("auth_failed") && l.contains("method=publickey")), audit.toString());
    assertTrue(audit.stream().anyMatch(l -> l.contains("auth_failed") && l.contains("disconnected by server")), audit.toString());
  }

  @Test
  void authTimeoutDisconnectsAnIdleHandshake() throws Exception {
    start(ServerLimits.builder().authTimeout(Duration.ofSeconds(1)).build());
    ClientSession s = fx.rawClient().connect("alice", "127.0.0.1", fx.server.port()).verify(HardeningFixture.TIMEOUT).getSession();
    assertTrue(closed(s, Duration.ofSeconds(15)), "closed by the auth timeout");
    assertTrue(audit.stream().anyMatch(l -> l.contains("auth_failed") && l.contains("AuthTimeout")), audit.toString());
  }

  @Test
  void idleTimeoutClosesASilentConnection() throws Exception {
    start(ServerLimits.builder().idleTimeout(Duration.ofSeconds(1)).build());
    ClientSession s = fx.rawSession();
    assertTrue(closed(s, Duration.ofSeconds(15)), "closed by the idle timeout");
  }

  @Test
  void keepalivesKeepAnIdleButLiveClientAndDropOneThatNeverAnswers() throws Exception {
    start(ServerLimits.builder()
        .idleTimeout(Duration.ofSeconds(2))
        .keepaliveInterval(Duration.ofMillis(300))
        .keepaliveMaxMissed(3)
        .build());
    ClientSession live = fx.rawSession();
    // A client whose global-request handler swallows keepalives without replying.
    org.apache.sshd.client.SshClient muteClient = HardeningFixture.newRawClient();
    muteClient.setGlobalRequestHandlers(List.of(new AbstractConnectionServiceRequestHandler() {
      @Override
      public RequestHandler.Result process(ConnectionService service, String request, boolean wantReply, Buffer buffer) {
        return "keepalive@openssh.com".equals(request) ? RequestHandler.Result.Replied : RequestHandler.Result.Unsupported;
      }
    }));
    ClientSession mute = fx.rawSession(muteClient);
    try {
      assertTrue(closed(mute, Duration.ofSeconds(15)), "a client that never answers is dropped");
      // The live one answered every keepalive, which also keeps it from being idle past 2 s.
      assertTrue(live.isOpen(), "a client answering keepalives stays");
      assertTrue(audit.stream().anyMatch(l -> l.contains("keepalives unanswered")), audit.toString());
    } finally {
      live.close(true);
      mute.close(true);
      muteClient.stop();
    }
  }

  @Test
  void requestTermsPastTheDecoderLimitsGetBadframeAndTheChannelServesOn() throws Exception {
    start(ServerLimits.builder().termLimits(org.sshrpc.term.TermLimits.builder().maxElements(10).build()).build());
    try (HardeningFixture.Raw r = fx.rawChannel()) {
      Term[] eleven = new Term[11];
      java.util.Arrays.fill(eleven, integer(1));
      r.writeTerm(mfa("t", "echo", list(eleven)));
      Term answer = r.readTerm();
      assertTrue(answer.toString().contains("badframe"), String.valueOf(answer));
      r.writeFrame(TermEncoder.DEFAULT.encode(mfa("t", "echo", integer(7))));
      assertEquals(echoed(integer(7)), r.readTerm());
    }
  }
}
