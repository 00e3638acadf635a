package org.sshrpc.server;

import java.util.Objects;
import org.sshrpc.term.Term;

/**
 * An exception a server-side function throws to raise an Erlang error reason, as {@code
 * erlang:error(Reason)} would: the caller receives {@code {'EXIT', Reason}} exactly.
 */
public class ErlangException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Term reason;

  /**
   * An exception raising {@code reason}.
   *
   * @param reason the Erlang reason the caller receives
   */
  public ErlangException(Term reason) {
    // No message here: rendering the reason (which often holds the call's arguments, possibly
    // megabytes of terms or 16 KiB integers in decimal) is paid only if someone asks for it.
    super(null, null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The reason, rendered as Erlang text. */
  @Override
  public String getMessage() {
    return String.valueOf(reason);
  }

  /** {@return the Erlang reason sent to the caller} */
  public Term reason() {
    return reason;
  }
}
