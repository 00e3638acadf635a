package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.server.channel.ChannelSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/**
 * Issue 10's heap-exhaustion reproductions over real SSH (loopback), each with a legitimate
 * connection's calls answered throughout: env requests are not stored, and partial frames on many
 * channels are refused once the connection's memory budget is spent, with the budget given back
 * when the attacker leaves.
 */
@Timeout(120)
class ResourceModelIT {
  @TempDir Path dir;
  private HardeningFixture fx;
  private final List<String> audit = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    AuditLog.tap = null;
    if (fx != null) {
      fx.close();
    }
  }

  private void start(java.util.function.Consumer<RpcServer.Builder> more) throws Exception {
    AuditLog.tap = audit::add;
    fx = HardeningFixture.start(dir, ServerLimits.DEFAULT, more);
  }

  private void legitimateCallWorks(RpcConnection conn, int i) throws Exception {
    assertEquals(integer(i), conn.call("t", "echo", integer(i)));
  }

  /** Reproduction 1b: thousands of large env requests are answered with failure and stored nowhere. */
  @Test
  void envRequestsAreNotStored() throws Exception {
    start(b -> {});
    try (RpcClient c = fx.client(); RpcConnection conn = c.connect(fx.target());
        ClientSession s = fx.rawSession()) {
      ChannelSubsystem ch = s.createSubsystemChannel(RpcSubsystemFactory.NAME);
      String value = "x".repeat(30 << 10);
      for (int i = 0; i < 300; i++) {
        ch.setEnv("V" + i, value);
      }
      ch.open().verify(HardeningFixture.TIMEOUT);
      HardeningFixture.Raw r = new HardeningFixture.Raw(s, ch);
      r.writeTerm(tuple(atom("mfa"), tuple(atom("t"), atom("echo"), list(atom("after_env")))));
      assertEquals(tuple(atom("answer"), tuple(atom("after_env"), integer(0))), r.readTerm());
      int stored = 0;
      int channels = 0;
      for (org.apache.sshd.common.session.helpers.AbstractSession ss : fx.server.sshd().getActiveSessions()) {
        ConnectionService cs = ss.getService(ConnectionService.class);
        for (Channel sc : ((AbstractConnectionService) cs).getChannels()) {
          if (sc instanceof ChannelSession) {
            channels++;
            // MINA sets a couple of its own (USER); none of the client's may be kept.
            stored += (int) ((ChannelSession) sc).getEnvironment().getEnv().keySet().stream()
                .filter(k -> k.matches("V[0-9]+")).count();
          }
        }
      }
      assertTrue(channels >= 2, "server channels seen: " + channels);
      assertEquals(0, stored, "env variables kept by the server");
      legitimateCallWorks(conn, 1);
    }
  }

  /**
   * Reproduction 1c: a connection opening channel after channel, each starting a 3 MiB frame and
   * stalling, gets two frames' worth of its 8 MiB budget; later channels are closed with an
   * {@code overloaded} error naming the budget, and another connection keeps being served.
   */
  @Test
  void stalledLargeFramesOnManyChannelsAreBoundedByTheConnectionBudget() throws Exception {
    start(b -> b.memoryBudget(256 << 20, 64 << 20, 8 << 20));
    try (RpcClient c = fx.client(); RpcConnection conn = c.connect(fx.target());
        ClientSession s = fx.rawSession()) {
      List<HardeningFixture.Raw> channels = new ArrayList<>();
      int closed = 0;
      for (int i = 0; i < 6; i++) {
        ChannelSubsystem ch = s.createSubsystemChannel(RpcSubsystemFactory.NAME);
        ch.open().verify(HardeningFixture.TIMEOUT);
        HardeningFixture.Raw r = new HardeningFixture.Raw(s, ch);
        r.writeTerm(new org.sshrpc.wire.Hello(2, org.sshrpc.term.ErlMap.of()).toTerm());
        r.readTerm();
        int declared = 3 << 20;
        byte[] part = new byte[4 + 1000]; // one SSH packet: written before the server can refuse it
        part[0] = (byte) (declared >>> 24);
        part[1] = (byte) (declared >>> 16);
        part[2] = (byte) (declared >>> 8);
        part[3] = (byte) declared;
        part[4] = (byte) 131;
        r.write(part);
        channels.add(r);
        legitimateCallWorks(conn, i);
      }
      for (HardeningFixture.Raw r : channels.subList(2, channels.size())) {
        Term err = r.readTerm();
        assertTrue(err instanceof ErlTuple t && t.isTagged("error", 3) && t.get(1).equals(atom("overloaded")),
            String.valueOf(err));
        assertTrue(r.awaitClosed(HardeningFixture.TIMEOUT), "channel over budget closed");
        closed++;
      }
      assertEquals(4, closed);
      assertTrue(audit.stream().anyMatch(l -> l.contains("channel_closed") && l.contains("connection memory budget exhausted")),
          String.join("\n", audit));
      legitimateCallWorks(conn, 100);
    }
    // The attacker left: nothing of its budget is still charged.
    for (int i = 0; i < 500 && fx.service().budget.used() != 0; i++) {
      Thread.sleep(10);
    }
    assertEquals(0, fx.service().budget.used());
  }
}
