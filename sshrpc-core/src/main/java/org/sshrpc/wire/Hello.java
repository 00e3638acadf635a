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

  public Hello {
    Objects.requireNonNull(options, "options");
  }

  @Override
  public Term toTerm() {
    return ErlTuple.of(TAG, ErlInteger.of(version), options);
  }
}
