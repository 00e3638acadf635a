package org.sshrpc.server;

import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.wire.ServerMessage;

/**
 * The result of running (or refusing) one call, before it is shaped as a v1 answer or a v2 reply.
 *
 * @param exit for a failure: true when v2 wraps the reason as {@code {'EXIT', Reason}} (the
 *     function raised or was not found), false for reasons sent bare (denied, timeout, cancelled,
 *     overloaded)
 */
record Outcome(boolean ok, Term value, boolean exit) {
  static final ErlAtom EXIT = ErlAtom.of("EXIT");
  static final ErlAtom EXEC_BADRPC = ErlAtom.of("exec_badrpc");
  static final ErlAtom EXEC_ERROR = ErlAtom.of("exec_error");
  static final ErlAtom TIMEOUT = ErlAtom.of("timeout");
  static final ErlAtom CANCELLED = ErlAtom.of("cancelled");
  static final ErlAtom OVERLOADED = ErlAtom.of("overloaded");

  static Outcome ok(Term value) {
    return new Outcome(true, value, false);
  }

  static Outcome raised(Term reason) {
    return new Outcome(false, reason, true);
  }

  static Outcome refused(Term reason) {
    return new Outcome(false, reason, false);
  }

  /** The seed's answer: {@code {answer, {Value, 0}}} or {@code {answer, {{exec_badrpc, {'EXIT', R}}, -1}}}. */
  ServerMessage.Answer v1Answer() {
    return ok
        ? ServerMessage.Answer.ok(value)
        : ServerMessage.Answer.error(ErlTuple.of(EXEC_BADRPC, ErlTuple.of(EXIT, value)));
  }

  ServerMessage.Reply v2Reply(long id) {
    if (ok) {
      return ServerMessage.Reply.ok(id, value);
    }
    return ServerMessage.Reply.error(id, exit ? ErlTuple.of(EXIT, value) : value);
  }
}
