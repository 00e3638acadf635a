package org.sshrpc.client;

import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;
import org.sshrpc.wire.Reason;
import org.sshrpc.wire.ServerMessage;

/** Maps wire error terms (docs/protocol.md) to {@link RpcException}s. */
final class Replies {
  static final ErlAtom NOCONNECTION = Reason.NOCONNECTION.atom();
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

  /** The status of a v2 reason term: {@link Reason#of}, the mapping both ends share. */
  static Status statusOf(Term reason) {
    return Reason.of(reason).status();
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
    return ServerMessage.Answer.error(error).reason();
  }

  /**
   * A reason printed for an exception message, cut at {@value #MAX_REASON_CHARS} characters with
   * bounded work however large the received term ({@link TermPrinter#print(Term, int)}).
   */
  static String brief(Term t) {
    return TermPrinter.print(t, MAX_REASON_CHARS);
  }

  /**
   * The same failure made anew on the calling thread, so its stack is the caller's (as gRPC's
   * blocking stubs do); {@code r}, made on the I/O or timer thread, is its cause.
   */
  static RpcException onCallerThread(RpcException r) {
    String m = r.getMessage();
    String prefix = r.status() + ": ";
    String raw = m != null && m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    return new RpcException(r.status(), raw, r.reason(), r);
  }

  static RpcException unavailable(String message, Throwable cause) {
    return new RpcException(Status.UNAVAILABLE, message, NOCONNECTION, cause);
  }
}
