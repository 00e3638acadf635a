package org.sshrpc.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;
import org.sshrpc.wire.ServerMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process side of one channel: its mailboxes (server-node pids whose messages come to this
 * client) and the monitors set up through them. Lock-free (concurrent maps): callers register,
 * the reader delivers, a close fires every monitor with {@code noconnection}.
 */
final class ChannelProcesses {
  private static final Logger log = LoggerFactory.getLogger(ChannelProcesses.class);
  /** Printed terms in log lines are cut at this many characters (bounded work, see TermPrinter). */
  private static final int LOG_TERM_CHARS = 256;

  private record Monitor(RealMailbox mailbox, Term pid) {}

  private final String peer;
  private final ConcurrentHashMap<Term, RealMailbox> mailboxes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Term, Monitor> monitors = new ConcurrentHashMap<>();
  private final AtomicLong unroutable = new AtomicLong();

  ChannelProcesses(String peer) {
    this.peer = peer;
  }

  /** A new mailbox for {@code pid}; registered before the reader reads on, so nothing to it is missed. */
  RealMailbox newMailbox(Term pid) {
    RealMailbox mb = new RealMailbox(pid);
    mailboxes.put(pid, mb);
    return mb;
  }

  /** {@code mailbox} as one of this channel's; IllegalArgumentException if it is not. */
  RealMailbox own(Mailbox mailbox) {
    if (!(mailbox instanceof RealMailbox) || mailboxes.get(mailbox.pid()) != mailbox) {
      throw new IllegalArgumentException("mailbox does not belong to this channel: " + mailbox);
    }
    return (RealMailbox) mailbox;
  }

  /** Remembers that {@code ref} monitors {@code pid} for {@code mailbox}. */
  void monitored(Term ref, RealMailbox mailbox, Term pid) {
    monitors.put(ref, new Monitor(mailbox, pid));
  }

  /** Delivers a message from the server; reader thread. */
  void deliver(ServerMessage.Deliver d) {
    RealMailbox mb = mailboxes.get(d.to());
    Term ref = ServerMessage.Deliver.downRef(d.message());
    if (ref != null) {
      // The server sends DOWN to one mailbox of the connection; it belongs to the mailbox the
      // monitor was set up with.
      Monitor mon = monitors.remove(ref);
      if (mon != null) {
        mb = mon.mailbox;
      }
    }
    if (mb == null) {
      unroutable.incrementAndGet();
      log.warn("message from {} for an unknown mailbox dropped", peer);
      if (log.isDebugEnabled()) {
        log.debug("message from {} for unknown mailbox {} dropped", peer, TermPrinter.print(d.to(), LOG_TERM_CHARS));
      }
      return;
    }
    mb.deliver(d.message());
  }

  /** Messages dropped for want of a mailbox. */
  long unroutable() {
    return unroutable.get();
  }

  /** As Erlang does when a node goes down: every monitor fires with {@code reason}. */
  void closeAll(Term reason) {
    for (Map.Entry<Term, Monitor> e : monitors.entrySet()) {
      e.getValue().mailbox.deliver(ServerMessage.Deliver.down(e.getKey(), e.getValue().pid, reason));
    }
    monitors.clear();
  }
}
