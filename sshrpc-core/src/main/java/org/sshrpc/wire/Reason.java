package org.sshrpc.wire;

import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/**
 * Every reason a call can fail with on the wire, mapped once to the {@link Status} a client sees
 * and the word metrics and the audit log use. Both ends read the same mapping: the server when it
 * counts and logs an outcome, the client when it turns a reply into an exception.
 *
 * <p>A reason term is read by {@link #of(Term)} in the v2 shape ({@code {'EXIT', R}} for a call
 * that ran or was not found, the bare reason otherwise); v1 failures are converted to that shape
 * first. A term that names no known reason is {@link #RAISED} inside {@code 'EXIT'} and {@link
 * #UNKNOWN} outside it.
 */
public enum Reason {
  /** The function ran and raised (Erlang exception, Java exception, bad arguments). */
  RAISED("raised", "raised", Status.RAISED, false, 0),
  /** No such exported function: {@code {undef, {M, F, A}}}. */
  UNDEF("undef", "undef", Status.NOT_FOUND, false, 2),
  /** The policy refused the call: {@code {sshrpc_denied, Detail}}. */
  DENIED("sshrpc_denied", "denied", Status.PERMISSION_DENIED, false, 2),
  /** The deadline passed before the reply: {@code timeout}. */
  TIMEOUT("timeout", "timeout", Status.DEADLINE_EXCEEDED, true, 0),
  /** The client cancelled the call: {@code cancelled}. */
  CANCELLED("cancelled", "cancelled", Status.CANCELLED, true, 0),
  /** The server refused for want of workers, memory or in-flight room: {@code overloaded}. */
  OVERLOADED("overloaded", "overloaded", Status.RESOURCE_EXHAUSTED, true, 2),
  /** The reply was over the peer's frame limit or the server's budget: {@code {reply_too_large, Size, Limit}}. */
  REPLY_TOO_LARGE("reply_too_large", "reply_too_large", Status.RESOURCE_EXHAUSTED, false, 3),
  /** The connection was lost while the call was in flight: {@code noconnection}. */
  NOCONNECTION("noconnection", "noconnection", Status.UNAVAILABLE, true, 0),
  /** A request the server could not read as a request: {@code {badrequest, Detail}}. */
  BADREQUEST("badrequest", "badrequest", Status.INVALID_REQUEST, false, 2),
  /** The seed's v1 refusal of a request it could not run: {@code {exec_error, T}}. */
  EXEC_ERROR("exec_error", "badrequest", Status.INVALID_REQUEST, false, 2),
  /** A frame whose term could not be decoded: {@code {badframe, Detail}}. */
  BADFRAME("badframe", "badrequest", Status.INVALID_REQUEST, false, 2),
  /** A frame over the receiver's frame limit: {@code {frame_too_large, Detail}}. */
  FRAME_TOO_LARGE("frame_too_large", "badrequest", Status.INVALID_REQUEST, false, 2),
  /** A Java function threw: {@code {java_exception, Class, Message}} (inside {@code 'EXIT'}). */
  JAVA_EXCEPTION("java_exception", "raised", Status.RAISED, false, 3),
  /** A term that names none of the above. */
  UNKNOWN("unknown", "error", Status.INTERNAL, false, 0);

  /** The tag of a failure from a call that ran or was not found: {@code {'EXIT', Reason}}. */
  public static final ErlAtom EXIT = ErlAtom.of("EXIT");

  private final ErlAtom atom;
  private final String label;
  private final Status status;
  private final boolean bareAtom;
  private final int tupleArity;

  Reason(String atom, String label, Status status, boolean bareAtom, int tupleArity) {
    this.atom = ErlAtom.of(atom);
    this.label = label;
    this.status = status;
    this.bareAtom = bareAtom;
    this.tupleArity = tupleArity;
  }

  /** The atom that names this reason on the wire (alone, or as the tag of its tuple). */
  public ErlAtom atom() {
    return atom;
  }

  /** The word metrics and the audit log use for a call that ended with this reason. */
  public String label() {
    return label;
  }

  /** The status a client reports for this reason. */
  public Status status() {
    return status;
  }

  /**
   * The reason a bare term names: one of the atoms {@code timeout}, {@code cancelled}, {@code
   * overloaded}, {@code noconnection}, or a tuple of the right arity tagged with a reason's atom
   * ({@code {sshrpc_denied, D}}, {@code {badframe, D}}, {@code {reply_too_large, S, L}}, …); else
   * {@link #UNKNOWN}.
   */
  public static Reason named(Term t) {
    if (t instanceof ErlAtom) {
      for (Reason r : values()) {
        if (r.bareAtom && r.atom.equals(t)) {
          return r;
        }
      }
      return UNKNOWN;
    }
    if (t instanceof ErlTuple) {
      ErlTuple tuple = (ErlTuple) t;
      if (tuple.arity() >= 1) {
        Term tag = tuple.get(0);
        for (Reason r : values()) {
          if (r.tupleArity == tuple.arity() && r.atom.equals(tag)) {
            return r;
          }
        }
      }
    }
    return UNKNOWN;
  }

  /**
   * The reason of a v2 error term. Inside {@code {'EXIT', R}}: {@link #UNDEF} or {@link #DENIED}
   * when {@code R} is a tuple tagged {@code undef} or {@code sshrpc_denied}, {@link #TIMEOUT} or
   * {@link #OVERLOADED} for those bare atoms, {@link #REPLY_TOO_LARGE} for its tuple, else {@link
   * #RAISED}. A bare term is the reason it {@linkplain #named names}.
   */
  public static Reason of(Term reason) {
    if (isExit(reason)) {
      Term r = ((ErlTuple) reason).get(1);
      if (r instanceof ErlTuple && ((ErlTuple) r).arity() >= 1) {
        Term tag = ((ErlTuple) r).get(0);
        if (UNDEF.atom.equals(tag)) {
          return UNDEF;
        }
        if (DENIED.atom.equals(tag)) {
          return DENIED;
        }
        if (REPLY_TOO_LARGE.atom.equals(tag) && ((ErlTuple) r).arity() == 3) {
          return REPLY_TOO_LARGE;
        }
      }
      if (TIMEOUT.atom.equals(r)) {
        return TIMEOUT;
      }
      if (OVERLOADED.atom.equals(r)) {
        return OVERLOADED;
      }
      return RAISED;
    }
    return named(reason);
  }

  /** True if {@code t} is {@code {'EXIT', _}}. */
  public static boolean isExit(Term t) {
    return t instanceof ErlTuple && ((ErlTuple) t).isTagged("EXIT", 2);
  }
}
