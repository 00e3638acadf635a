package org.sshrpc.term;

import java.net.ProtocolException;

/**
 * The exception the ETF decoder throws for input that is not a well-formed external term or that
 * exceeds a {@link TermLimits} limit. The message names the problem (and the limit, when one was
 * exceeded); {@link #offset()} is the byte offset, relative to the start of the decoded input,
 * where the problem was found.
 */
public final class TermFormatException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  private final long offset;

  public TermFormatException(String problem, long offset) {
    super(problem + " at offset " + offset);
    this.offset = offset;
  }

  /** Byte offset, from the start of the decoded input, at which the problem was found. */
  public long offset() {
    return offset;
  }
}
