package org.sshrpc.wire;

import java.util.Objects;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;

/**
 * The v2 negotiation message {@code {sshrpc_hello, Version, Options}}, sent by a v2 client as its
 * first frame and echoed (with the server's options) by a v2 server.
 *
 * @param version the protocol version offered or accepted (2)
 * @param options free-form options, e.g. {@code #{client => <<"sshrpc-java/0.1">>}}
 */
public record Hello(int version, ErlMap options) implements ClientMessage, ServerMessage {
  /** The protocol version this implementation speaks beyond v1. */
  public static final int VERSION = 2;

  static final ErlAtom TAG = ErlAtom.of("sshrpc_hello");

  /** Client option: the implementation's name, a binary. */
  public static final ErlAtom CLIENT = ErlAtom.of("client");

  /** Server option: its node name, an atom. */
  public static final ErlAtom NODE = ErlAtom.of("node");

  /**
   * Client option {@code frame_errors => true}: name the frame in channel errors ({@code {error,
   * Code, Detail, {frame, Seq}}}). A server that does so echoes it in its reply.
   */
  public static final ErlAtom FRAME_ERRORS = ErlAtom.of("frame_errors");

  /** Either side: the largest frame (content bytes, header excluded) it accepts. */
  public static final ErlAtom MAX_FRAME = ErlAtom.of("max_frame");

  /** Server option: calls in flight per channel. */
  public static final ErlAtom MAX_IN_FLIGHT = ErlAtom.of("max_in_flight");

  /** Server option: deepest nesting of tuples, lists and maps its decoder accepts in a request. */
  public static final ErlAtom MAX_DEPTH = ErlAtom.of("max_depth");

  /** Server option: longest atom, in code points, its decoder accepts. */
  public static final ErlAtom MAX_ATOM_LENGTH = ErlAtom.of("max_atom_length");

  /** Server option: largest binary or bitstring, in bytes, its decoder accepts. */
  public static final ErlAtom MAX_BINARY = ErlAtom.of("max_binary");

  public Hello {
    Objects.requireNonNull(options, "options");
  }

  /**
   * The option {@code key} if it is a positive integer (one above {@link Integer#MAX_VALUE} reads
   * as that), else {@code absent}: a peer that does not state a limit, or states one we cannot
   * read, is taken as not stating it.
   */
  public int positiveInt(ErlAtom key, int absent) {
    Term v = options.get(key);
    if (!(v instanceof ErlInteger) || ((ErlInteger) v).signum() <= 0) {
      return absent;
    }
    ErlInteger n = (ErlInteger) v;
    return n.isInt() ? n.intValue() : Integer.MAX_VALUE;
  }

  /** True if the option {@code key} is the atom {@code true}. */
  public boolean isTrue(ErlAtom key) {
    return ErlAtom.TRUE.equals(options.get(key));
  }

  @Override
  public Term toTerm() {
    return ErlTuple.of(TAG, ErlInteger.of(version), options);
  }
}
