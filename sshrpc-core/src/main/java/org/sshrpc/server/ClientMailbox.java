package org.sshrpc.server;

import org.sshrpc.term.Term;

/** A pid on this node whose messages go to a client over its channel as {@code {message, To, Msg}}. */
final class ClientMailbox extends Mailbox {
  ClientMailbox(ProcessRegistry registry, SessionProcesses owner) {
    super(registry, owner);
  }

  @Override
  void deliver(Term message) {
    if (isAlive()) {
      owner.session.deliverToClient(pid, message);
    }
  }
}
