package org.sshrpc.server;

import org.sshrpc.term.ErlPid;
import org.sshrpc.term.Term;

/** What a running {@link RpcProcess} can do: know itself, send messages, stop. */
public interface ProcessContext {
  /** This process's pid. */
  ErlPid self();

  /** The SSH user of the connection that spawned this process. */
  String user();

  /**
   * Sends {@code message} to a pid or a registered name (an atom), as Erlang's {@code !}: a
   * client's mailbox pid forwards it over that client's connection; an unknown destination drops
   * it. The send is decided as one from this process's {@link #user()} (and the key its
   * connection authenticated with): a name is looked up in that user's own scope unless the
   * policy makes it public, and a message to another user's process or mailbox goes only where
   * the policy lets that user send to them and the receiver accepts it; otherwise it is dropped
   * as if the destination were dead (and audited).
   */
  void send(Term destination, Term message);

  /** Stops this process after the current message, with {@code reason} ({@code normal} for a clean stop). */
  void exit(Term reason);
}
