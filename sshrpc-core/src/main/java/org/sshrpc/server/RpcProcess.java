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
}
