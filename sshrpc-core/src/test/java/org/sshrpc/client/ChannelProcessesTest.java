package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.tuple;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.ErlPid;
import org.sshrpc.term.ErlRef;
import org.sshrpc.wire.ServerMessage;

class ChannelProcessesTest {
  private static final ErlPid A = ErlPid.of(atom("n@h"), 1, 0, 1);
  private static final ErlPid B = ErlPid.of(atom("n@h"), 2, 0, 1);
  private static final ErlPid WORKER = ErlPid.of(atom("n@h"), 3, 0, 1);
  private static final ErlRef REF = ErlRef.of(atom("n@h"), 1, 7, 8, 9);

  @Test
  void messagesReachTheirMailboxAndOthersAreCountedAndDropped() throws Exception {
    ChannelProcesses ps = new ChannelProcesses("p");
    RealMailbox a = ps.newMailbox(A);
    ps.deliver(new ServerMessage.Deliver(A, atom("hi")));
    ps.deliver(new ServerMessage.Deliver(B, atom("lost")));
    assertEquals(atom("hi"), a.receive(Duration.ZERO).orElseThrow());
    assertEquals(1, ps.unroutable());
  }

  @Test
  void aDownGoesToTheMailboxTheMonitorWasSetUpWith() throws Exception {
    ChannelProcesses ps = new ChannelProcesses("p");
    RealMailbox a = ps.newMailbox(A);
    RealMailbox b = ps.newMailbox(B);
    ps.monitored(REF, b, WORKER);
    // The server addresses it to some mailbox of the connection; it belongs to b.
    ps.deliver(new ServerMessage.Deliver(A, ServerMessage.Deliver.down(REF, WORKER, atom("normal"))));
    assertEquals(tuple(atom("DOWN"), REF, atom("process"), WORKER, atom("normal")), b.receive(Duration.ZERO).orElseThrow());
    assertTrue(a.receive(Duration.ZERO).isEmpty());
  }

  @Test
  void closingFiresEveryMonitorOnce() throws Exception {
    ChannelProcesses ps = new ChannelProcesses("p");
    RealMailbox a = ps.newMailbox(A);
    ps.monitored(REF, a, WORKER);
    ps.closeAll(atom("noconnection"));
    ps.closeAll(atom("noconnection"));
    assertEquals(tuple(atom("DOWN"), REF, atom("process"), WORKER, atom("noconnection")), a.receive(Duration.ZERO).orElseThrow());
    assertTrue(a.receive(Duration.ZERO).isEmpty());
  }

  @Test
  void aForeignMailboxIsRefused() {
    ChannelProcesses ps = new ChannelProcesses("p");
    RealMailbox mine = ps.newMailbox(A);
    assertSame(mine, ps.own(mine));
    RealMailbox other = new ChannelProcesses("q").newMailbox(B);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ps.own(other));
    assertTrue(e.getMessage().startsWith("mailbox does not belong to this channel: "), e.getMessage());
  }
}
