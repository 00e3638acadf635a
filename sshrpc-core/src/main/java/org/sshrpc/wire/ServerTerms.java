package org.sshrpc.wire;

import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/**
 * The protocol atoms and small terms a server's replies are made of, beyond the reasons of {@link
 * Reason}, and the two shape tests a server makes before parsing: the seed's {@code exec_badrpc} wrapper, the summary of a request too large to echo, the
 * detail of a memory refusal and of a reply over the peer's frame limit, and the {@code DOWN}
 * message of a monitor. One place for both ends, so no atom literal of the protocol is spelled
 * twice.
 */
public final class ServerTerms {
  /** The seed's v1 failure: {@code {exec_badrpc, {'EXIT', Reason}}}. */
  public static final ErlAtom EXEC_BADRPC = ErlAtom.of("exec_badrpc");

  /** {@code {truncated, FrameBytes, Preview}}: a request too large to echo in an error reply. */
  public static final ErlAtom TRUNCATED = ErlAtom.of("truncated");

  /** The size in {@code {reply_too_large, over_limit, Limit}} of a reply over the peer's frame limit. */
  public static final ErlAtom OVER_LIMIT = ErlAtom.of("over_limit");

  /** {@code {memory, Needed, Room}}: the detail of an {@code overloaded} refusal for want of memory. */
  public static final ErlAtom MEMORY = ErlAtom.of("memory");

  /** The tag of a monitor's message {@code {'DOWN', Ref, process, Pid, Reason}}. */
  public static final ErlAtom DOWN = ErlAtom.of("DOWN");

  /** The type in a {@code DOWN} message: always {@code process}. */
  public static final ErlAtom PROCESS = ErlAtom.of("process");

  /** A process's exit reason when it ended by itself: {@code normal}. */
  public static final ErlAtom NORMAL = ErlAtom.of("normal");

  /** The exit reason of a process stopped by the server (its pool closing): {@code shutdown}. */
  public static final ErlAtom SHUTDOWN = ErlAtom.of("shutdown");

  /** The exit reason of a process whose mailbox overflowed: {@code mailbox_overflow}. */
  public static final ErlAtom MAILBOX_OVERFLOW = ErlAtom.of("mailbox_overflow");

  /** The {@code DOWN} reason of a monitor on a pid that is not alive: {@code noproc}. */
  public static final ErlAtom NOPROC = ErlAtom.of("noproc");

  /** The error of a process operation on a bad argument (register, exit): {@code badarg}. */
  public static final ErlAtom BADARG = ErlAtom.of("badarg");

  /** {@code whereis} of a name that is not registered: {@code undefined}. */
  public static final ErlAtom UNDEFINED = ErlAtom.of("undefined");

  private ServerTerms() {}

  /** True if {@code t} is a hello, {@code {sshrpc_hello, Version, Options}}: a v2 channel's first frame. */
  public static boolean isHello(Term t) {
    return t instanceof ErlTuple && ((ErlTuple) t).arity() == 3 && Hello.TAG.equals(((ErlTuple) t).get(0));
  }

  /** True if {@code t} is a tuple tagged {@code mfa} (of any arity): a v1 request, well formed or not. */
  public static boolean isMfaShaped(Term t) {
    return t instanceof ErlTuple && ((ErlTuple) t).arity() >= 1 && Messages.MFA.equals(((ErlTuple) t).get(0));
  }

  /** {@code {exec_badrpc, {'EXIT', Reason}}}. */
  public static Term execBadrpc(Term reason) {
    return ErlTuple.of(EXEC_BADRPC, ErlTuple.of(Reason.EXIT, reason));
  }

  /** {@code {truncated, FrameBytes, Preview}}. */
  public static Term truncated(long frameBytes, String preview) {
    return ErlTuple.of(TRUNCATED, ErlInteger.of(frameBytes), ErlBinary.utf8(preview));
  }

  /** {@code {memory, Needed, Room}}. */
  public static Term memory(long needed, long room) {
    return ErlTuple.of(MEMORY, ErlInteger.of(needed), ErlInteger.of(room));
  }
}
