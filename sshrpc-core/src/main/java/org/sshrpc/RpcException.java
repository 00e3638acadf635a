package org.sshrpc;

import org.sshrpc.term.Term;

/**
 * The one exception an sshrpc call fails with: a {@link Status} saying what kind of failure it
 * was, and, when the server sent one, the Erlang error term exactly as received.
 */
public class RpcException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure. */
  private final Status status;
  private final transient Term reason;

  /**
   * An exception with no cause.
   *
   * @param status what kind of failure
   * @param message what happened (the status is prefixed to it)
   * @param reason the error term received, or null for a local failure
   */
  public RpcException(Status status, String message, Term reason) {
    this(status, message, reason, null);
  }

  /**
   * An exception with a cause.
   *
   * @param status what kind of failure
   * @param message what happened (the status is prefixed to it)
   * @param reason the error term received, or null for a local failure
   * @param cause the underlying exception, or null
   */
  public RpcException(Status status, String message, Term reason, Throwable cause) {
    super(status + ": " + message, cause);
    this.status = status;
    this.reason = reason;
  }

  /** {@return what kind of failure this is} */
  public Status status() {
    return status;
  }

  /** {@return the error term the server replied with, or null when the failure was local (e.g. UNAVAILABLE)} */
  public Term reason() {
    return reason;
  }
}
