package org.sshrpc.client;

import java.util.Map;
import org.sshrpc.RpcException;
import org.sshrpc.Status;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlBitstring;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.wire.Hello;
import org.sshrpc.wire.Reason;

/**
 * The decode limits a v2 server advertised in its hello ({@code max_frame}, {@code max_depth},
 * {@code max_binary}), checked before a request is sent: a request the server would refuse is
 * refused here, with no bytes sent, instead of costing a round trip or (for an oversized frame)
 * the whole channel. A limit the server does not state is not checked.
 *
 * <p>The frame check is free. The nesting and binary checks walk the term, but only when its
 * encoded size says it could break them: nesting {@code d} levels deep takes at least {@code 2d}
 * bytes (a one-element tuple per level), so a request under {@code 2 * max_depth + 4} bytes
 * cannot be too deep, and one no larger than {@code max_binary} cannot hold too large a binary.
 * With the default limits (512 levels) the common small call is never walked.
 */
final class SendLimits {
  /** No limits: v1 servers, Erlang servers and sshrpc servers that advertise none. */
  static final SendLimits NONE = new SendLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);

  private static final ErlAtom FRAME_TOO_LARGE = Reason.FRAME_TOO_LARGE.atom();
  private static final ErlAtom BADFRAME = Reason.BADFRAME.atom();

  final int maxFrame;
  final int maxDepth;
  final int maxBinary;
  /** Requests at least this long are walked for their depth. */
  private final long walkDepthFrom;

  SendLimits(int maxFrame, int maxDepth, int maxBinary) {
    this.maxFrame = maxFrame;
    this.maxDepth = maxDepth;
    this.maxBinary = maxBinary;
    this.walkDepthFrom = 2L * maxDepth + 4;
  }

  /** The limits {@code hello} (a server's) states. */
  static SendLimits of(Hello hello) {
    return new SendLimits(
        hello.positiveInt(Hello.MAX_FRAME, Integer.MAX_VALUE),
        hello.positiveInt(Hello.MAX_DEPTH, Integer.MAX_VALUE),
        hello.positiveInt(Hello.MAX_BINARY, Integer.MAX_VALUE));
  }

  /**
   * Null if {@code msg}, encoded in {@code length} bytes, is within the limits; else the refusal,
   * with status {@link Status#INVALID_REQUEST} and the reason the server would have given.
   */
  RpcException check(String what, Term msg, int length) {
    if (length > maxFrame) {
      return new RpcException(
          Status.INVALID_REQUEST,
          what + ": request of " + length + " bytes exceeds the server's max_frame (expected: <= " + maxFrame
              + "); not sent",
          ErlTuple.of(FRAME_TOO_LARGE, ErlTuple.of(ErlInteger.of(length), ErlInteger.of(maxFrame))));
    }
    boolean depth = length >= walkDepthFrom;
    boolean binary = length > maxBinary;
    if (!depth && !binary) {
      return null;
    }
    String problem = walk(msg, 0);
    if (problem == null) {
      return null;
    }
    return new RpcException(
        Status.INVALID_REQUEST, what + ": " + problem + "; not sent", ErlTuple.of(BADFRAME, ErlBinary.utf8(problem)));
  }

  /**
   * What breaks a limit in {@code t}, which sits inside {@code depth} containers, or null. Counts
   * levels as the server's decoder does: a non-empty tuple, list or map is one level, an empty one
   * or a list of bytes (sent as a string) none. Recurses no deeper than {@code t} is nested, which
   * the encoder has just done too, and stops one level past {@link #maxDepth}.
   */
  private String walk(Term t, int depth) {
    if (t instanceof ErlTuple) {
      ErlTuple tu = (ErlTuple) t;
      if (tu.arity() == 0) {
        return null;
      }
      if (depth >= maxDepth) {
        return tooDeep();
      }
      for (int i = 0; i < tu.arity(); i++) {
        String p = walk(tu.get(i), depth + 1);
        if (p != null) {
          return p;
        }
      }
      return null;
    }
    if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      if (l.isEmpty()) {
        return null;
      }
      if (depth >= maxDepth) {
        return isByteString(l) ? null : tooDeep();
      }
      for (int i = 0; i < l.size(); i++) {
        String p = walk(l.get(i), depth + 1);
        if (p != null) {
          return p;
        }
      }
      return l.tail() == null ? null : walk(l.tail(), depth + 1);
    }
    if (t instanceof ErlMap) {
      ErlMap m = (ErlMap) t;
      if (m.size() == 0) {
        return null;
      }
      if (depth >= maxDepth) {
        return tooDeep();
      }
      for (Map.Entry<Term, Term> e : m.entries().entrySet()) {
        String p = walk(e.getKey(), depth + 1);
        if (p == null) {
          p = walk(e.getValue(), depth + 1);
        }
        if (p != null) {
          return p;
        }
      }
      return null;
    }
    if (t instanceof ErlBinary && ((ErlBinary) t).size() > maxBinary) {
      return "binary of " + ((ErlBinary) t).size() + " bytes exceeds the server's max_binary (expected: <= "
          + maxBinary + ")";
    }
    if (t instanceof ErlBitstring) {
      long bytes = (((ErlBitstring) t).bitLength() + 7) / 8;
      if (bytes > maxBinary) {
        return "bitstring of " + bytes + " bytes exceeds the server's max_binary (expected: <= " + maxBinary + ")";
      }
    }
    return null;
  }

  private String tooDeep() {
    return "request nested deeper than the server's max_depth (expected: <= " + maxDepth + ")";
  }

  /** True if the encoder sends {@code l} as STRING_EXT, which the decoder does not count as a level. */
  private static boolean isByteString(ErlList l) {
    if (l.tail() != null || l.size() > 65535) {
      return false;
    }
    for (int i = 0; i < l.size(); i++) {
      Term e = l.get(i);
      if (!(e instanceof ErlInteger) || !((ErlInteger) e).isLong()) {
        return false;
      }
      long v = ((ErlInteger) e).longValue();
      if (v < 0 || v > 255) {
        return false;
      }
    }
    return true;
  }
}
