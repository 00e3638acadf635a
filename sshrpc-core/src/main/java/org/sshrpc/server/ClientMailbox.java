package org.sshrpc.server;

import org.sshrpc.acl.AccessPolicy;
import org.sshrpc.term.Term;

/**
 * A pid on this node whose messages go to a client over its channel as {@code {message, To, Msg}}.
 * It accepts messages from its own user; from another user only where the policy has a {@code
 * receive from=} rule for its user (a client cannot run code on the server to decide).
 */
final class ClientMailbox extends Mailbox {
  ClientMailbox(ProcessRegistry registry, SessionProcesses owner, boolean counted) {
    super(registry, owner, owner.account(), counted);
  }

  @Override
  void deliver(Term message) {
    if (isAlive()) {
      owner.session.deliverToClient(pid, message);
    }
  }

  @Override
  boolean acceptsFrom(String sender, AccessPolicy policy) {
    return policy.allowsPeer(ownerUser(), owner.session.keyFingerprint, AccessPolicy.Verb.RECEIVE, sender);
  }
}
