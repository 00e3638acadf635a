package org.sshrpc.server;

import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.wire.Reason;
import org.sshrpc.wire.ServerTerms;
import org.sshrpc.wire.ServerMessage;

/**
 * The result of running (or refusing) one call, before it is shaped as a v1 answer or a v2 reply:
 * a value, or a failure typed by its {@link Reason}. The reason is read once, when the outcome is
 * made, through the same mapping a client applies to the reply ({@link Reason#of}); metrics, the
 * audit log and the reply all read it from here.
 *
 * @param reason why the call failed; null for a call that returned a value
 * @param value the returned value, or the failure's reason term
 * @param exit for a failure: true when v2 wraps the reason as {@code {'EXIT', Reason}} (the
 *     function raised or was not found), false for reasons sent bare (denied, timeout, cancelled,
 *     overloaded)
 */
record Outcome(Reason reason, Term value, boolean exit) {
  /** Refused for want of workers, in-flight room or memory: {@code overloaded}. */
  static final Outcome OVERLOADED = refused(Reason.OVERLOADED);

  static Outcome ok(Term value) {
    return new Outcome(null, value, false);
  }

  /** The function raised {@code reason} (or was not found): sent as {@code {'EXIT', Reason}}. */
  static Outcome raised(Term reason) {
    return new Outcome(Reason.of(ErlTuple.of(Reason.EXIT, reason)), reason, true);
  }

  /** Refused or ended with a bare reason atom: {@code timeout}, {@code cancelled}, … */
  static Outcome refused(Reason reason) {
    return new Outcome(reason, reason.atom(), false);
  }

  /** Refused with a reason term sent bare ({@code {sshrpc_denied, D}}, {@code {reply_too_large, S, L}}). */
  static Outcome refused(Term reason) {
    return new Outcome(Reason.named(reason), reason, false);
  }

  /** {@code {sshrpc_denied, Detail}}. */
  static Outcome denied(Term detail) {
    return refused(ErlTuple.of(Reason.DENIED.atom(), detail));
  }

  boolean ok() {
    return reason == null;
  }

  /** The word metrics and the audit log use: {@code ok}, or the reason's {@link Reason#label()}. */
  String label() {
    return reason == null ? "ok" : reason.label();
  }

  /** The seed's answer: {@code {answer, {Value, 0}}} or {@code {answer, {{exec_badrpc, {'EXIT', R}}, -1}}}. */
  ServerMessage.Answer v1Answer() {
    return ok() ? ServerMessage.Answer.ok(value) : ServerMessage.Answer.error(ServerTerms.execBadrpc(value));
  }

  ServerMessage.Reply v2Reply(long id) {
    if (ok()) {
      return ServerMessage.Reply.ok(id, value);
    }
    return ServerMessage.Reply.error(id, exit ? ErlTuple.of(Reason.EXIT, value) : value);
  }
}
