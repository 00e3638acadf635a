package org.sshrpc.client;

import java.net.ProtocolException;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.TermLimits;

/** The client's one use of the ETF codec, kept in one place. */
final class Codec {
  private final TermDecoder decoder;

  Codec(TermLimits limits) {
    this.decoder = TermDecoder.of(limits);
  }

  static byte[] encode(Term t) {
    return TermEncoder.DEFAULT.encode(t);
  }

  Term decode(byte[] buf, int off, int len) throws ProtocolException {
    return decoder.decode(buf, off, len);
  }
}
