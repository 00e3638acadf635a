package org.sshrpc.client;

import java.time.Duration;
import java.util.Optional;
import org.sshrpc.term.Term;

/**
 * A client-side mailbox: a pid on the server's node ({@link #pid()}) whose messages the server
 * forwards to this client over the connection. Server-side processes send to it with Erlang's
 * {@code Pid ! Msg}; {@code 'DOWN'} messages of monitors set up with it arrive here too.
 *
 * <p>Thread-safe; messages are kept in arrival order until received.
 */
public interface Mailbox {
  /** The mailbox's pid term, to pass to server-side processes. */
  Term pid();

  /** The next message, waiting up to {@code timeout}; empty when none arrived in time. */
  Optional<Term> receive(Duration timeout) throws InterruptedException;

  /** The next message if one is waiting. */
  Optional<Term> poll();

  /** Number of messages waiting. */
  int size();
}
