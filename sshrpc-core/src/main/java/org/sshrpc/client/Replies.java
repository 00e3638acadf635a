package org.sshrpc.client;

import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;

/** Maps wire error terms (docs/protocol.md) to {@link RpcException}s. */
final class Replies {
  static final ErlAtom NOCONNECTION = ErlAtom.of("noconnection");
  private static final int MAX_REASON_CHARS = 400;

  private Replies() {}

  /**
   * The exception for a v2 error reason (v1 errors are first converted to the same shape: {@code
   * {'EXIT', R}} or {@code {exec_error, T}}).
   */
  static RpcException error(String what, Term reason) {
    Status status = statusOf(reason);
    return new RpcException(status, what + " failed: " + brief(reason), reason);
  }

  static Status statusOf(Term reason) {
    if (reason instanceof ErlAtom) {
      switch (((ErlAtom) reason).name()) {
        case "timeout":
          return Status.DEADLINE_EXCEEDED;
        case "cancelled":
          return Status.CANCELLED;
        case "overloaded":
          return Status.RESOURCE_EXHAUSTED;
        case "noconnection":
          return Status.UNAVAILABLE;
        default:
          return Status.INTERNAL;
      }
    }
    if (reason instanceof ErlTuple) {
      ErlTuple t = (ErlTuple) reason;
      if (t.isTagged("EXIT", 2)) {
        Term r = t.get(1);
        if (r instanceof ErlTuple && ((ErlTuple) r).arity() >= 1) {
          Term tag = ((ErlTuple) r).get(0);
          if (tag.equals(ErlAtom.of("undef"))) {
            return Status.NOT_FOUND;
          }
          if (tag.equals(ErlAtom.of("sshrpc_denied"))) {
            return Status.PERMISSION_DENIED;
          }
        }
        if (r.equals(ErlAtom.of("timeout"))) {
          return Status.DEADLINE_EXCEEDED;
        }
        if (r.equals(ErlAtom.of("overloaded"))
            || r instanceof ErlTuple && ((ErlTuple) r).isTagged("reply_too_large", 3)) {
          return Status.RESOURCE_EXHAUSTED;
        }
        return Status.RAISED;
      }
      if (t.isTagged("sshrpc_denied", 2)) {
        return Status.PERMISSION_DENIED;
      }
      if (t.isTagged("reply_too_large", 3)) {
        return Status.RESOURCE_EXHAUSTED; // the server's reply was over our frame limit or its budget
      }
      if (t.isTagged("undef", 2)) {
        return Status.NOT_FOUND;
      }
      if (t.isTagged("badrequest", 2)
          || t.isTagged("exec_error", 2)
          || t.isTagged("badframe", 2)
          || t.isTagged("frame_too_large", 2)) {
        return Status.INVALID_REQUEST;
      }
      if (t.isTagged("overloaded", 2)) {
        return Status.RESOURCE_EXHAUSTED;
      }
    }
    return Status.INTERNAL;
  }

  /**
   * The exception for a request the server refused with a channel error naming its frame ({@code
   * {error, Code, Detail, {frame, Seq}}}): the request was not run. Its reason is {@code {Code,
   * Detail}}, so it maps as the same refusal made locally or with an id would.
   */
  static RpcException refused(String what, ErlAtom code, Term detail) {
    Term reason = ErlTuple.of(code, detail);
    return new RpcException(
        statusOf(reason), what + " refused by the server: " + code.name() + ": " + text(detail), reason);
  }

  /** A detail for a message: a binary as its text (the server's details are UTF-8 binaries). */
  static String text(Term detail) {
    if (detail instanceof ErlBinary) {
      String s = ((ErlBinary) detail).utf8String();
      return s.length() <= MAX_REASON_CHARS ? s : s.substring(0, MAX_REASON_CHARS) + "...";
    }
    return brief(detail);
  }

  /**
   * Converts a v1 failure ({@code {exec_badrpc, {'EXIT', R}}} or {@code {exec_error, T}}) to the
   * v2 reason shape.
   */
  static Term v1Reason(Term error) {
    if (error instanceof ErlTuple && ((ErlTuple) error).isTagged("exec_badrpc", 2)) {
      return ((ErlTuple) error).get(1);
    }
    return error;
  }

  /** True if {@code t} is the v1 success status 0. */
  static boolean isZero(Term t) {
    return t instanceof ErlInteger && ((ErlInteger) t).isLong() && ((ErlInteger) t).longValue() == 0;
  }

  /**
   * A reason printed for an exception message, cut at {@value #MAX_REASON_CHARS} characters with
   * bounded work however large the received term ({@link TermPrinter#print(Term, int)}).
   */
  static String brief(Term t) {
    return TermPrinter.print(t, MAX_REASON_CHARS);
  }

  static RpcException unavailable(String message, Throwable cause) {
    return new RpcException(Status.UNAVAILABLE, message, NOCONNECTION, cause);
  }
}
