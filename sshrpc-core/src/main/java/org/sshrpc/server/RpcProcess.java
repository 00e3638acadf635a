package org.sshrpc.server;

import org.sshrpc.term.Term;

/**
 * A server-side process: a Java object with a mailbox, started by a client's {@code spawn} and
 * addressed by its pid or a registered name.
 *
 * <p>The server delivers the messages in its mailbox one at a time, in arrival order, never
 * concurrently. The process runs until it calls {@link ProcessContext#exit}, {@link #receive}
 * throws (exit reason {@code {java_exception, Class, Message}}, or the {@link ErlangException}'s
 * reason), someone stops it with {@code exit}, or the connection that spawned it closes (reason
 * {@code noconnection}).
 *
 * <p>A process belongs to the SSH user who spawned it ({@link ProcessContext#user()}). Messages
 * from that user's clients and processes always reach it (as far as the policy lets the sender
 * send at all); messages from another user need both a policy rule for the sender ({@code send
 * to=} or {@code public=}, see {@code docs/policy.md}) and this process's consent, {@link
 * #acceptsFrom}.
 */
@FunctionalInterface
public interface RpcProcess {
  /** Handles one message. */
  void receive(ProcessContext ctx, Term message) throws Exception;

  /**
   * Called once after the process has stopped, with its exit reason. When the process is stopped
   * from outside (an {@code exit} request, its connection closing) while a {@link #receive} is
   * running, this may run on another thread before that {@code receive} returns.
   */
  default void terminated(Term reason) {}

  /**
   * Whether this process accepts a message from {@code user}, an SSH user other than its own,
   * whom the policy already lets send to it. Asked for each such message, on the sender's thread
   * (so it must be quick and thread-safe); a refused message is dropped as if sent to a dead pid.
   * The default refuses every other user: a process is private unless its code says otherwise.
   */
  default boolean acceptsFrom(String user) {
    return false;
  }
}
