package org.sshrpc.wire;

import org.sshrpc.term.Term;

/**
 * An sshrpc protocol message: a value that converts to the Erlang term carried in one frame.
 * Parse terms back with {@link Messages}.
 */
public sealed interface Message permits ClientMessage, ServerMessage {
  /** The term this message is on the wire. */
  Term toTerm();
}
